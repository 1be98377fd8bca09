using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>Where Adam adds epsilon; the two frameworks differ, which matters when the second moment is tiny.</summary>
public enum AdamEpsilon
{
    /// <summary>PyTorch: p -= lr * m̂ / (sqrt(v̂) + eps), with bias-corrected m̂, v̂.</summary>
    PyTorch,
    /// <summary>Keras / the paper's "efficient" form: p -= lr_t * m / (sqrt(v) + eps), lr_t = lr * sqrt(1 - β2^t) / (1 - β1^t).</summary>
    Keras,
}

/// <summary>
/// Adam (Kingma and Ba 2015) with bias correction. A weight decay is PyTorch's <c>Adam(weight_decay=...)</c>: an L2
/// term added to the gradient before the moments; <see cref="AdamW{T}"/> decouples it. With AMSGrad (Reddi et al. 2018,
/// PyTorch's <c>amsgrad=True</c>) the denominator uses the largest second moment seen so far.
/// </summary>
public class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer; defaults are both frameworks' (lr 1e-3, β 0.9/0.999), eps 1e-8 (PyTorch; Keras uses 1e-7).</summary>
    public Adam(IEnumerable<Tensor<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, AdamEpsilon epsilonPlacement = AdamEpsilon.PyTorch, double weightDecay = 0, bool amsGrad = false)
        : this(Single(parameters), learningRate, beta1, beta2, epsilon, epsilonPlacement, weightDecay, decoupled: false, amsGrad) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public Adam(IEnumerable<ParameterGroup<T>> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, AdamEpsilon epsilonPlacement = AdamEpsilon.PyTorch, double weightDecay = 0, bool amsGrad = false)
        : this(groups, learningRate, beta1, beta2, epsilon, epsilonPlacement, weightDecay, decoupled: false, amsGrad) { }

    /// <summary>One group of <paramref name="parameters"/>.</summary>
    private protected static ParameterGroup<T>[] Single(IEnumerable<Tensor<T>> parameters) =>
        [new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))];

    /// <summary>The constructor of Adam and AdamW.</summary>
    private protected Adam(IEnumerable<ParameterGroup<T>> groups, double learningRate, double beta1, double beta2,
        double epsilon, AdamEpsilon epsilonPlacement, double weightDecay, bool decoupled, bool amsGrad) : base(groups, learningRate, weightDecay)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"Adam betas must lie in [0, 1), got {beta1}, {beta2}.");
        _beta1 = beta1; Beta2 = beta2; Epsilon = epsilon; EpsilonPlacement = epsilonPlacement; DecoupledWeightDecay = decoupled;
        AmsGrad = amsGrad;
        StateNames = amsGrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"];
    }

    /// <summary>Whether the AMSGrad variant is used (the denominator's second moment never decreases).</summary>
    public bool AmsGrad { get; }

    /// <summary>True for AdamW's decay (p shrinks by lr·wd·p before the step), false for an L2 term in the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; }

    /// <summary>Decay of the first moment (settable between steps, as <see cref="OneCycleLR{T}"/> cycles it).</summary>
    public double Beta1
    {
        get => _beta1;
        set => _beta1 = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"Adam's beta1 must lie in [0, 1), got {value}.");
    }
    private double _beta1;
    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }
    /// <summary>The epsilon added to the denominator.</summary>
    public double Epsilon { get; }
    /// <summary>Where epsilon goes.</summary>
    public AdamEpsilon EpsilonPlacement { get; }

    private sealed record BiasCorrections(long Step, double Beta1, double C1, double C2);
    private BiasCorrections? _corrections;

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        var m = State("exp_avg", index, offset, p.Length); var v = State("exp_avg_sq", index, offset, p.Length);
        // The bias corrections change once per step, not per parameter (two Math.Pow per parameter were a
        // tenth of a small net's step). One object holds a step's pair, so chunks on two threads never see
        // a half-updated one.
        var corrections = _corrections;
        if (corrections is null || corrections.Step != StepCount || corrections.Beta1 != Beta1)
            _corrections = corrections = new(StepCount, Beta1, 1 - Math.Pow(Beta1, StepCount), 1 - Math.Pow(Beta2, StepCount));
        double c1 = corrections.C1, c2 = corrections.C2;
        T b1 = T.CreateChecked(Beta1), b2 = T.CreateChecked(Beta2), eps = T.CreateChecked(Epsilon);
        T oneMinusB1 = T.One - b1, oneMinusB2 = T.One - b2;
        // PyTorch: p -= (lr / c1) m / (sqrt(v) / sqrt(c2) + eps); Keras: p -= (lr sqrt(c2) / c1) m / (sqrt(v) + eps).
        bool pyTorch = EpsilonPlacement == AdamEpsilon.PyTorch;
        double learningRate = LearningRateOf(index), weightDecay = WeightDecayOf(index);
        T step = T.CreateChecked(pyTorch ? learningRate / c1 : learningRate * Math.Sqrt(c2) / c1);
        T scale = pyTorch ? T.CreateChecked(Math.Sqrt(c2)) : T.One;
        if (weightDecay != 0 && DecoupledWeightDecay)
        {
            // AdamW, as PyTorch: p *= 1 - lr·wd, then the Adam step.
            var shrink = T.CreateChecked(1 - learningRate * weightDecay);
            DeepLite.Kernels.Elementwise.Map<T, DeepLite.Kernels.MultiplyOperator<T>>(p, shrink, p);
        }
        bool l2 = weightDecay != 0 && !DecoupledWeightDecay;
        T wd = T.CreateChecked(weightDecay);
        // One rule type per denominator, so that Adam's loop has no AMSGrad branch per element.
        if (AmsGrad)
            UpdateRule.Apply(new Rule<LargestSecondMoment>(b1, b2, oneMinusB1, oneMinusB2, eps, step, scale, l2, wd,
                new LargestSecondMoment(State("max_exp_avg_sq", index, offset, p.Length))), p, grad, m, v);
        else UpdateRule.Apply(new Rule<CurrentSecondMoment>(b1, b2, oneMinusB1, oneMinusB2, eps, step, scale, l2, wd, default), p, grad, m, v);
    }

    /// <summary>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g²; p -= step m / (sqrt(v) / scale + eps). First state: m, second: v.</summary>
    /// <remarks>
    /// With <paramref name="l2"/>, g is grad + wd·p (PyTorch's Adam weight_decay). <typeparamref name="TMoment"/> gives the
    /// second moment the denominator uses: v, or (AMSGrad) the largest v so far, kept in a third buffer.
    /// </remarks>
    private readonly ref struct Rule<TMoment>(T b1, T b2, T oneMinusB1, T oneMinusB2, T eps, T step, T scale, bool l2, T wd, TMoment moment)
        : IUpdateRule<T> where TMoment : ISecondMoment, allows ref struct
    {
        private readonly Vector<T> _b1 = new(b1), _b2 = new(b2), _oneMinusB1 = new(oneMinusB1), _oneMinusB2 = new(oneMinusB2),
            _eps = new(eps), _step = new(step), _scale = new(scale), _wd = new(wd);
        private readonly TMoment _moment = moment;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> m, Span<T> v, int i)
        {
            T g = l2 ? grad[i] + wd * p[i] : grad[i];
            m[i] = UpdateRule.Flush(b1 * m[i] + oneMinusB1 * g);
            v[i] = UpdateRule.Flush(b2 * v[i] + oneMinusB2 * g * g);
            T second = _moment.Scalar(v[i], i);
            p[i] -= step * m[i] / (T.Sqrt(second) / scale + eps);
        }

        // Lane by lane what Scalar computes (dividing by a scale of 1 is exact).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> m, Span<T> v, int i)
        {
            var g = new Vector<T>(grad[i..]);
            if (l2) g += _wd * new Vector<T>(p[i..]);
            var mv = UpdateRule.Flush(_b1 * new Vector<T>(m[i..]) + _oneMinusB1 * g);
            var vv = UpdateRule.Flush(_b2 * new Vector<T>(v[i..]) + _oneMinusB2 * g * g);
            mv.CopyTo(m[i..]); vv.CopyTo(v[i..]);
            var second = _moment.Vector(vv, i);
            (new Vector<T>(p[i..]) - _step * mv / (System.Numerics.Vector.SquareRoot(second) / _scale + _eps)).CopyTo(p[i..]);
        }
    }

    /// <summary>The second moment Adam's denominator uses for element i, given this step's v there.</summary>
    private interface ISecondMoment
    {
        T Scalar(T v, int i);
        Vector<T> Vector(Vector<T> v, int i);
    }

    /// <summary>Adam: this step's v.</summary>
    private readonly struct CurrentSecondMoment : ISecondMoment
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Scalar(T v, int i) => v;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<T> Vector(Vector<T> v, int i) => v;
    }

    /// <summary>AMSGrad: largest = max(largest, v), the largest v so far (a NaN propagates), in the chunk's slice of its buffer.</summary>
    private readonly ref struct LargestSecondMoment(Span<T> largest) : ISecondMoment
    {
        private readonly Span<T> _largest = largest;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public T Scalar(T v, int i) => _largest[i] = T.Max(_largest[i], v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<T> Vector(Vector<T> v, int i)
        {
            var max = System.Numerics.Vector.Max(new Vector<T>(_largest[i..]), v);
            max.CopyTo(_largest[i..]);
            return max;
        }
    }
}

/// <summary>
/// AdamW (Loshchilov and Hutter 2019, PyTorch's <c>AdamW</c>): Adam with the weight decay decoupled from the gradient,
/// p *= 1 - lr·wd before each Adam step (then m = β1 m + (1 - β1) g, v = β2 v + (1 - β2) g², p -= lr m̂ / (√v̂ + eps), with
/// the bias-corrected m̂ = m / (1 - β1ᵗ), v̂ = v / (1 - β2ᵗ)); PyTorch's default decay 0.01. Groups may set their own
/// decay (nanoGPT: 0.1 on 2-D weights, 0 on the rest).
/// </summary>
public sealed class AdamW<T> : Adam<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    public AdamW(IEnumerable<Tensor<T>> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0.01, bool amsGrad = false)
        : base(Single(parameters), learningRate, beta1, beta2, epsilon, AdamEpsilon.PyTorch, weightDecay, decoupled: true, amsGrad) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public AdamW(IEnumerable<ParameterGroup<T>> groups, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0.01, bool amsGrad = false)
        : base(groups, learningRate, beta1, beta2, epsilon, AdamEpsilon.PyTorch, weightDecay, decoupled: true, amsGrad) { }
}
