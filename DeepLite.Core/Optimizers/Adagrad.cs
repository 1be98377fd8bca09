using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Adagrad (Duchi et al. 2011), PyTorch's <c>torch.optim.Adagrad</c> and its rule: at step t, g = grad + wd·p;
/// clr = lr / (1 + (t - 1)·lr_decay); s += g²; p -= clr·g / (√s + eps), the sum s starting at
/// <c>initialAccumulatorValue</c>. PyTorch's defaults: lr 0.01, eps 1e-10.
/// </summary>
public sealed class Adagrad<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    public Adagrad(IEnumerable<Tensor<T>> parameters, double learningRate = 0.01, double learningRateDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double epsilon = 1e-10)
        : this([new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, learningRateDecay, weightDecay,
            initialAccumulatorValue, epsilon) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public Adagrad(IEnumerable<ParameterGroup<T>> groups, double learningRate = 0.01, double learningRateDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double epsilon = 1e-10)
        : base(groups, learningRate, weightDecay)
    {
        if (!(learningRateDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRateDecay), $"Adagrad learning-rate decay must be non-negative, got {learningRateDecay}.");
        if (!(initialAccumulatorValue >= 0)) throw new ArgumentOutOfRangeException(nameof(initialAccumulatorValue), $"Adagrad's initial accumulator must be non-negative, got {initialAccumulatorValue}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"Adagrad epsilon must be non-negative, got {epsilon}.");
        LearningRateDecay = learningRateDecay; InitialAccumulatorValue = initialAccumulatorValue; Epsilon = epsilon;
    }

    /// <summary>The decay of the step size with the step count (PyTorch's lr_decay).</summary>
    public double LearningRateDecay { get; }
    /// <summary>The sum of squares every element starts from.</summary>
    public double InitialAccumulatorValue { get; }
    /// <summary>Added to the denominator.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; } = ["sum"];

    /// <inheritdoc/>
    protected override void BeforeUpdate(int index)
    {
        // The sum starts at the initial value, not zero: set once, before the update is split over threads.
        if (InitialAccumulatorValue != 0 && !HasState("sum", index)) State("sum", index).Fill(T.CreateChecked(InitialAccumulatorValue));
    }

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        double clr = LearningRateOf(index) / (1 + (StepCount - 1) * LearningRateDecay);
        UpdateRule.Apply(new Rule(T.CreateChecked(clr), T.CreateChecked(WeightDecayOf(index)), T.CreateChecked(Epsilon)), p, grad, State("sum", index, offset, p.Length), []);
    }

    /// <summary>s += g²; p -= clr g / (√s + eps). First state: s.</summary>
    private readonly struct Rule(T clr, T wd, T eps) : IUpdateRule<T>
    {
        private readonly Vector<T> _clr = new(clr), _wd = new(wd), _eps = new(eps);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> s, Span<T> b, int i)
        {
            T g = grad[i] + wd * p[i];
            s[i] += g * g;
            p[i] -= clr * g / (T.Sqrt(s[i]) + eps);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> s, Span<T> b, int i)
        {
            var pv = new Vector<T>(p[i..]);
            var g = new Vector<T>(grad[i..]) + _wd * pv;
            var sv = new Vector<T>(s[i..]) + g * g;
            sv.CopyTo(s[i..]);
            (pv - _clr * g / (System.Numerics.Vector.SquareRoot(sv) + _eps)).CopyTo(p[i..]);
        }
    }
}
