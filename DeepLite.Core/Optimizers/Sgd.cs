using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, with
/// PyTorch's update rule (dampening 0):
/// g = grad + wd * p; v = momentum * v + g; step = nesterov ? g + momentum * v : v; p -= lr * step.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    public Sgd(IEnumerable<Tensor<T>> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"Momentum must be non-negative, got {momentum}.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs a positive momentum.");
        Momentum = momentum; Nesterov = nesterov; WeightDecay = weightDecay;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; } = ["momentum_buffer"];

    /// <summary>The momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Whether the Nesterov variant is used.</summary>
    public bool Nesterov { get; }
    /// <summary>The L2 penalty factor added to the gradient.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        T lr = T.CreateChecked(LearningRate), mu = T.CreateChecked(Momentum), wd = T.CreateChecked(WeightDecay);
        Vector<T> vlr = new(lr), vmu = new(mu), vwd = new(wd);
        int vectorized = VectorizedLength(p.Length), width = Vector<T>.Count, i = 0;
        if (Momentum == 0)
        {
            for (; i < vectorized; i += width)
            {
                var pv = new Vector<T>(p[i..]);
                (pv - vlr * (new Vector<T>(grad[i..]) + vwd * pv)).CopyTo(p[i..]);
            }
            for (; i < p.Length; i++) p[i] -= lr * (grad[i] + wd * p[i]);
            return;
        }
        var v = State("momentum_buffer", index, offset, p.Length);
        // PyTorch initializes the buffer with the first gradient; v starting at 0 gives the same value.
        // The vector loop computes exactly what the scalar one does, lane by lane.
        for (; i < vectorized; i += width)
        {
            var pv = new Vector<T>(p[i..]);
            var g = new Vector<T>(grad[i..]) + vwd * pv;
            var velocity = Flush(vmu * new Vector<T>(v[i..]) + g);
            velocity.CopyTo(v[i..]);
            (pv - vlr * (Nesterov ? g + vmu * velocity : velocity)).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            T g = grad[i] + wd * p[i];
            v[i] = Flush(mu * v[i] + g);
            p[i] -= lr * (Nesterov ? g + mu * v[i] : v[i]);
        }
    }
}
