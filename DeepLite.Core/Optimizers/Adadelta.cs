using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Adadelta (Zeiler 2012), the rule PyTorch and Keras share:
/// E[g²] = ρ E[g²] + (1-ρ) g²; Δ = sqrt(E[Δ²] + ε) / sqrt(E[g²] + ε) * g; E[Δ²] = ρ E[Δ²] + (1-ρ) Δ²; p -= lr Δ.
/// The frameworks differ only in defaults: see <see cref="KerasDefaults"/> and <see cref="PyTorchDefaults"/>. A weight
/// decay is PyTorch's weight_decay: an L2 term wd·p added to the gradient before the running averages (Keras' Adadelta
/// has none).
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
    public Adadelta(IEnumerable<Tensor<T>> parameters, double learningRate, double rho, double epsilon, double weightDecay = 0)
        : this([new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, rho, epsilon, weightDecay) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public Adadelta(IEnumerable<ParameterGroup<T>> groups, double learningRate, double rho, double epsilon, double weightDecay = 0)
        : base(groups, learningRate, weightDecay)
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
        T rho = T.CreateChecked(Rho), oneMinusRho = T.One - rho, eps = T.CreateChecked(Epsilon), lr = T.CreateChecked(LearningRateOf(index));
        double weightDecay = WeightDecayOf(index);
        UpdateRule.Apply(new Rule(rho, oneMinusRho, eps, lr, weightDecay != 0, T.CreateChecked(weightDecay)), p, grad, eg, ed);
    }

    /// <summary>
    /// E[g²] = rho E[g²] + (1 - rho) g²; delta = sqrt(E[Δ²] + eps) / sqrt(E[g²] + eps) g; E[Δ²] = rho E[Δ²] + (1 - rho) delta²;
    /// p -= lr delta. First state: E[g²], second: E[Δ²].
    /// </summary>
    private readonly struct Rule(T rho, T oneMinusRho, T eps, T lr, bool l2, T wd) : IUpdateRule<T>
    {
        private readonly Vector<T> _rho = new(rho), _oneMinusRho = new(oneMinusRho), _eps = new(eps), _lr = new(lr), _wd = new(wd);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> eg, Span<T> ed, int i)
        {
            T g = l2 ? grad[i] + wd * p[i] : grad[i];
            eg[i] = UpdateRule.Flush(rho * eg[i] + oneMinusRho * g * g);
            T delta = T.Sqrt(ed[i] + eps) / T.Sqrt(eg[i] + eps) * g;
            ed[i] = UpdateRule.Flush(rho * ed[i] + oneMinusRho * delta * delta);
            p[i] -= lr * delta;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> eg, Span<T> ed, int i)
        {
            var g = new Vector<T>(grad[i..]);
            if (l2) g += _wd * new Vector<T>(p[i..]);
            var squares = UpdateRule.Flush(_rho * new Vector<T>(eg[i..]) + _oneMinusRho * g * g);
            var oldDeltas = new Vector<T>(ed[i..]);
            var delta = System.Numerics.Vector.SquareRoot(oldDeltas + _eps) / System.Numerics.Vector.SquareRoot(squares + _eps) * g;
            squares.CopyTo(eg[i..]);
            UpdateRule.Flush(_rho * oldDeltas + _oneMinusRho * delta * delta).CopyTo(ed[i..]);
            (new Vector<T>(p[i..]) - _lr * delta).CopyTo(p[i..]);
        }
    }
}
