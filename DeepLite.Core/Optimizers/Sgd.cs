using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay: PyTorch's
/// <c>torch.optim.SGD</c> and its update rule: g = grad + wd * p; v = g on a parameter's first step, then
/// v = momentum * v + (1 - dampening) * g; step = nesterov ? g + momentum * v : v; p -= lr * step.
/// </summary>
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer.</summary>
    public Sgd(IEnumerable<Tensor<T>> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0,
        double dampening = 0)
        : this([new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, momentum, nesterov, weightDecay, dampening) { }

    /// <summary>Creates the optimizer over parameter groups (each may set its own learning rate and weight decay).</summary>
    public Sgd(IEnumerable<ParameterGroup<T>> groups, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0,
        double dampening = 0)
        : base(groups, learningRate, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), $"Momentum must be non-negative, got {momentum}.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs a positive momentum.");
        if (!(dampening is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(dampening), $"Dampening must lie in [0, 1], got {dampening}.");
        // PyTorch's rule, and for the same reason: Nesterov's look-ahead assumes an undamped buffer.
        if (nesterov && dampening != 0) throw new ArgumentException("Nesterov momentum requires zero dampening.");
        _momentum = momentum; Nesterov = nesterov; Dampening = dampening;
        _firstStep = new bool[Parameters.Count];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; } = ["momentum_buffer"];

    /// <summary>The momentum factor (settable between steps, as <see cref="OneCycleLR{T}"/> cycles it; a momentum of 0 stays 0).</summary>
    public double Momentum
    {
        get => _momentum;
        set
        {
            if (!(value >= 0)) throw new ArgumentOutOfRangeException(nameof(value), $"Momentum must be non-negative, got {value}.");
            if ((value == 0) != (_momentum == 0)) throw new InvalidOperationException("SGD's momentum can change between positive values only: a buffer is kept or not from the start.");
            _momentum = value;
        }
    }
    private double _momentum;
    /// <summary>Whether the Nesterov variant is used.</summary>
    public bool Nesterov { get; }
    /// <summary>The dampening of the momentum: the gradient enters the buffer scaled by 1 - dampening (not on the first step).</summary>
    public double Dampening { get; }

    // Per parameter: whether this step is its first with a momentum buffer (PyTorch starts the buffer at the
    // gradient, undamped). Decided once per parameter before its update is split across threads.
    private readonly bool[] _firstStep;

    /// <inheritdoc/>
    protected override void BeforeUpdate(int index) => _firstStep[index] = Momentum != 0 && !HasState("momentum_buffer", index);

    /// <inheritdoc/>
    protected override void Update(int index, int offset, Span<T> p, ReadOnlySpan<T> grad)
    {
        T lr = T.CreateChecked(LearningRateOf(index)), mu = T.CreateChecked(Momentum), wd = T.CreateChecked(WeightDecayOf(index));
        if (Momentum == 0) { UpdateRule.Apply(new Plain(lr, wd), p, grad, [], []); return; }
        // PyTorch initializes the buffer with the first gradient: from a zero buffer that is v = 0·mu + 1·g.
        T gain = _firstStep[index] ? T.One : T.CreateChecked(1 - Dampening);
        UpdateRule.Apply(new WithMomentum(lr, mu, gain, wd, Nesterov), p, grad, State("momentum_buffer", index, offset, p.Length), []);
    }

    /// <summary>p -= lr (g + wd p).</summary>
    private readonly struct Plain(T lr, T wd) : IUpdateRule<T>
    {
        private readonly Vector<T> _lr = new(lr), _wd = new(wd);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> unused1, Span<T> unused2, int i) => p[i] -= lr * (grad[i] + wd * p[i]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> unused1, Span<T> unused2, int i)
        {
            var pv = new Vector<T>(p[i..]);
            (pv - _lr * (new Vector<T>(grad[i..]) + _wd * pv)).CopyTo(p[i..]);
        }
    }

    /// <summary>g = grad + wd p; v = mu v + gain g; p -= lr (nesterov ? g + mu v : v). First state: the momentum buffer.</summary>
    private readonly struct WithMomentum(T lr, T mu, T gain, T wd, bool nesterov) : IUpdateRule<T>
    {
        private readonly Vector<T> _lr = new(lr), _mu = new(mu), _gain = new(gain), _wd = new(wd);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            T g = grad[i] + wd * p[i];
            v[i] = UpdateRule.Flush(mu * v[i] + gain * g);
            p[i] -= lr * (nesterov ? g + mu * v[i] : v[i]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            var pv = new Vector<T>(p[i..]);
            var g = new Vector<T>(grad[i..]) + _wd * pv;
            var velocity = UpdateRule.Flush(_mu * new Vector<T>(v[i..]) + _gain * g);
            velocity.CopyTo(v[i..]);
            (pv - _lr * (nesterov ? g + _mu * velocity : velocity)).CopyTo(p[i..]);
        }
    }
}
