using System.Numerics;
using System.Runtime.CompilerServices;
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
        if (Momentum == 0) UpdateRule.Apply(new Plain(lr, wd), p, grad, [], []);
        // PyTorch initializes the buffer with the first gradient; v starting at 0 gives the same value.
        else UpdateRule.Apply(new WithMomentum(lr, mu, wd, Nesterov), p, grad, State("momentum_buffer", index, offset, p.Length), []);
    }

    /// <summary>p -= lr (g + wd p).</summary>
    private readonly struct Plain(T lr, T wd) : IUpdateRule<T>
    {
        private readonly Vector<T> _lr = new(lr), _wd = new(wd);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> a, Span<T> b, int i) => p[i] -= lr * (grad[i] + wd * p[i]);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> a, Span<T> b, int i)
        {
            var pv = new Vector<T>(p[i..]);
            (pv - _lr * (new Vector<T>(grad[i..]) + _wd * pv)).CopyTo(p[i..]);
        }
    }

    /// <summary>g = grad + wd p; v = mu v + g; p -= lr (nesterov ? g + mu v : v). State a: the momentum buffer.</summary>
    private readonly struct WithMomentum(T lr, T mu, T wd, bool nesterov) : IUpdateRule<T>
    {
        private readonly Vector<T> _lr = new(lr), _mu = new(mu), _wd = new(wd);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            T g = grad[i] + wd * p[i];
            v[i] = UpdateRule.Flush(mu * v[i] + g);
            p[i] -= lr * (nesterov ? g + mu * v[i] : v[i]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(Span<T> p, ReadOnlySpan<T> grad, Span<T> v, Span<T> b, int i)
        {
            var pv = new Vector<T>(p[i..]);
            var g = new Vector<T>(grad[i..]) + _wd * pv;
            var velocity = UpdateRule.Flush(_mu * new Vector<T>(v[i..]) + g);
            velocity.CopyTo(v[i..]);
            (pv - _lr * (nesterov ? g + _mu * velocity : velocity)).CopyTo(p[i..]);
        }
    }
}
