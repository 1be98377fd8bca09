using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Adadelta (Zeiler 2012), the rule PyTorch and Keras share:
/// E[g²] = ρ E[g²] + (1-ρ) g²; Δ = sqrt(E[Δ²] + ε) / sqrt(E[g²] + ε) * g; E[Δ²] = ρ E[Δ²] + (1-ρ) Δ²; p -= lr Δ.
/// The frameworks differ only in defaults: see <see cref="KerasDefaults"/> and <see cref="PyTorchDefaults"/>.
/// </summary>
public sealed class Adadelta<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Named hyper-parameter presets.</summary>
    public readonly record struct Settings(double LearningRate, double Rho, double Epsilon);

    /// <summary>Keras 2.3+ defaults: lr 0.001, ρ 0.95, ε 1e-7.</summary>
    public static Settings KerasDefaults => new(0.001, 0.95, 1e-7);

    /// <summary>PyTorch defaults: lr 1.0, ρ 0.9, ε 1e-6.</summary>
    public static Settings PyTorchDefaults => new(1.0, 0.9, 1e-6);

    /// <summary>Creates the optimizer with explicit hyper-parameters.</summary>
    public Adadelta(IEnumerable<Tensor<T>> parameters, double learningRate, double rho, double epsilon) : base(parameters, learningRate)
    {
        if (rho is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(rho), $"Adadelta rho must lie in [0, 1], got {rho}.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"Adadelta epsilon must be positive, got {epsilon}.");
        Rho = rho; Epsilon = epsilon;
    }

    /// <summary>Creates the optimizer from a preset.</summary>
    public Adadelta(IEnumerable<Tensor<T>> parameters, Settings settings)
        : this(parameters, settings.LearningRate, settings.Rho, settings.Epsilon) { }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; } = ["square_avg", "acc_delta"];

    /// <summary>Decay of the running averages.</summary>
    public double Rho { get; }
    /// <summary>The epsilon inside both square roots.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        var eg = State("square_avg", index, offset, p.Length); var ed = State("acc_delta", index, offset, p.Length);
        T rho = T.CreateChecked(Rho), oneMinusRho = T.One - rho, eps = T.CreateChecked(Epsilon), lr = T.CreateChecked(LearningRate);
        Vector<T> vrho = new(rho), v1rho = new(oneMinusRho), veps = new(eps), vlr = new(lr);
        int vectorized = VectorizedLength(p.Length), width = Vector<T>.Count, i = 0;
        // The vector loop computes exactly what the scalar one does, lane by lane.
        for (; i < vectorized; i += width)
        {
            var g = new Vector<T>(grad[i..]);
            var squares = Flush(vrho * new Vector<T>(eg[i..]) + v1rho * g * g);
            var oldDeltas = new Vector<T>(ed[i..]);
            var delta = Vector.SquareRoot(oldDeltas + veps) / Vector.SquareRoot(squares + veps) * g;
            squares.CopyTo(eg[i..]);
            Flush(vrho * oldDeltas + v1rho * delta * delta).CopyTo(ed[i..]);
            (new Vector<T>(p[i..]) - vlr * delta).CopyTo(p[i..]);
        }
        for (; i < p.Length; i++)
        {
            T g = grad[i];
            eg[i] = Flush(rho * eg[i] + oneMinusRho * g * g);
            T delta = T.Sqrt(ed[i] + eps) / T.Sqrt(eg[i] + eps) * g;
            ed[i] = Flush(rho * ed[i] + oneMinusRho * delta * delta);
            p[i] -= lr * delta;
        }
    }
}
