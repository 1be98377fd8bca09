using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// RMSprop (Hinton's lecture 6e), PyTorch's <c>torch.optim.RMSprop</c> and its rule: g = grad + wd·p;
/// v = α v + (1 - α) g²; centered: ḡ = α ḡ + (1 - α) g and d = √(v - ḡ²) + eps, else d = √v + eps; with momentum
/// b = μ b + g / d and p -= lr·b, else p -= lr·g / d. PyTorch's defaults: lr 0.01, α 0.99, eps 1e-8 (Keras: lr 0.001,
/// ρ 0.9, eps 1e-7, and eps inside the root).
/// </summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    public RmsProp(IEnumerable<Tensor<T>> parameters, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false)
        : this([new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, alpha, epsilon, weightDecay, momentum, centered) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public RmsProp(IEnumerable<ParameterGroup<T>> groups, double learningRate = 0.01, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false)
        : base(groups, learningRate, weightDecay)
    {
        if (!(alpha is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), $"RMSprop alpha must lie in [0, 1], got {alpha}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"RMSprop epsilon must be non-negative, got {epsilon}.");
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), $"RMSprop momentum must be non-negative, got {momentum}.");
        Alpha = alpha; Epsilon = epsilon; Momentum = momentum; Centered = centered;
        StateNames = [.. new[] { "square_avg" }, .. momentum > 0 ? ["momentum_buffer"] : Array.Empty<string>(), .. centered ? ["grad_avg"] : Array.Empty<string>()];
    }

    /// <summary>The smoothing constant of the squared-gradient average (PyTorch's alpha, Keras' rho).</summary>
    public double Alpha { get; }
    /// <summary>Added to the denominator (outside the root, as PyTorch).</summary>
    public double Epsilon { get; }
    /// <summary>The momentum factor (0: none).</summary>
    public double Momentum { get; }
    /// <summary>Whether the gradient's running mean is subtracted (the variance estimate, Graves 2013).</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; }

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        var v = State("square_avg", index, offset, p.Length);
        var buffer = Momentum > 0 ? State("momentum_buffer", index, offset, p.Length) : [];
        var mean = Centered ? State("grad_avg", index, offset, p.Length) : default;
        UpdateRule.Apply(new Rule(T.CreateChecked(Alpha), T.CreateChecked(Epsilon), T.CreateChecked(LearningRateOf(index)), T.CreateChecked(WeightDecayOf(index)),
            T.CreateChecked(Momentum), Momentum > 0, Centered, mean), p, grad, v, buffer);
    }

    /// <summary>The rule above; first state: v, second: the momentum buffer; the centered mean ḡ rides in the rule.</summary>
    private readonly ref struct Rule(T alpha, T eps, T lr, T wd, T mu, bool momentum, bool centered, Span<T> mean) : IUpdateRule<T>
    {
        private readonly Span<T> _mean = mean;
        private readonly T _oneMinusAlpha = T.One - alpha;
        private readonly Vector<T> _alpha = new(alpha), _oneMinus = new(T.One - alpha), _eps = new(eps), _lr = new(lr), _wd = new(wd), _mu = new(mu);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            T g = grad[i] + wd * p[i];
            v[i] = UpdateRule.Flush(alpha * v[i] + _oneMinusAlpha * g * g);
            T variance = v[i];
            if (centered)
            {
                _mean[i] = UpdateRule.Flush(alpha * _mean[i] + _oneMinusAlpha * g);
                variance -= _mean[i] * _mean[i];
            }
            T step = g / (T.Sqrt(variance) + eps);
            if (momentum)
            {
                b[i] = UpdateRule.Flush(mu * b[i] + step);
                step = b[i];
            }
            p[i] -= lr * step;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            var pv = new Vector<T>(p[i..]);
            var g = new Vector<T>(grad[i..]) + _wd * pv;
            var vv = UpdateRule.Flush(_alpha * new Vector<T>(v[i..]) + _oneMinus * g * g);
            vv.CopyTo(v[i..]);
            var variance = vv;
            if (centered)
            {
                var m = UpdateRule.Flush(_alpha * new Vector<T>(_mean[i..]) + _oneMinus * g);
                m.CopyTo(_mean[i..]);
                variance -= m * m;
            }
            var step = g / (System.Numerics.Vector.SquareRoot(variance) + _eps);
            if (momentum)
            {
                step = UpdateRule.Flush(_mu * new Vector<T>(b[i..]) + step);
                step.CopyTo(b[i..]);
            }
            (pv - _lr * step).CopyTo(p[i..]);
        }
    }
}
