using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Updates parameters from their accumulated gradients. Updates run outside autograd, in place, and
/// allocate nothing after the first step (state buffers are created once per parameter).
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates an optimizer over <paramref name="parameters"/> (typically <c>model.Parameters()</c>).</summary>
    protected Optimizer(IEnumerable<Tensor<T>> parameters, double learningRate)
    {
        Parameters = parameters.ToList();
        if (Parameters.Count == 0) throw new ArgumentException("The optimizer got no parameters.");
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"Learning rate must be non-negative, got {learningRate}.");
        LearningRate = learningRate;
    }

    /// <summary>The parameters this optimizer updates.</summary>
    public IReadOnlyList<Tensor<T>> Parameters { get; }

    /// <summary>The step size; may be changed between steps (schedules).</summary>
    public double LearningRate { get; set; }

    /// <summary>Number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            if (p.Grad.Shape != p.Shape)
                throw new InvalidOperationException($"{GetType().Name}: parameter {i} has shape {p.Shape} but its gradient has shape {p.Grad.Shape}.");
            Update(i, p.Span, p.Grad.Span);
        }
    }

    /// <summary>Updates parameter <paramref name="index"/> in place from its gradient.</summary>
    protected abstract void Update(int index, Span<T> parameter, ReadOnlySpan<T> gradient);

    /// <summary>Resets every parameter's gradient to zero, keeping its memory (see <see cref="Tensor{T}.ZeroGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.ZeroGrad();
    }

    /// <summary>
    /// Zero for subnormal values. Running averages of a gradient that stays zero (a dead ReLU unit) decay
    /// geometrically into the subnormal range, where x86 arithmetic is about a hundred times slower;
    /// values that small carry no information for an update, so they are flushed.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    protected static T Flush(T x) => T.IsSubnormal(x) ? T.Zero : x;

    /// <summary>A per-parameter state buffer (zero-initialized on first use).</summary>
    protected Span<T> State(List<T[]?> slots, int index)
    {
        while (slots.Count < Parameters.Count) slots.Add(null);
        return slots[index] ??= new T[Parameters[index].Size];
    }
}
