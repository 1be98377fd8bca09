using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Elementwise functions. Backwards use the saved output where that is cheaper (exp, tanh,
// sigmoid) and are built from recorded ops, so they can be differentiated again.
public sealed partial class Tensor<T>
{
    /// <summary>e^x.</summary>
    // How an op is written (docs/architecture.md shows this one).
    // snippet-begin: exp-op
    public Tensor<T> Exp()
    {
        var y = MapUnary<ExpOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Exp", [x], g => [g * y]);
    }
    // snippet-end

    /// <summary>Natural logarithm.</summary>
    public Tensor<T> Log()
    {
        var y = MapUnary<LogOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Log", [x], g => [g / x]);
    }

    /// <summary>x^p for a constant exponent p.</summary>
    public Tensor<T> Pow(T p)
    {
        var y = Uninitialized(Shape); // every element written
        var xs = Span; var ys = y.Span;
        if (p == T.CreateChecked(2)) Elementwise.Map<T, MultiplyOperator<T>>(xs, xs, ys);
        else for (int i = 0; i < xs.Length; i++) ys[i] = T.Pow(xs[i], p);
        return Recording(this) ? Backward(y, this, p) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T p) => Record(y, "Pow", [x], g => [g * (x.Pow(p - T.One) * p)], new ScalarAttributes(double.CreateChecked(p)));
    }

    /// <summary>max(x, 0).</summary>
    public Tensor<T> Relu()
    {
        var y = MapUnary<ReluOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Relu", [x], g => [g.WherePositive(x)]);
    }

    /// <summary>x where x ≥ 0, <paramref name="negativeSlope"/>·x where x &lt; 0 (PyTorch's <c>leaky_relu</c>, default slope 0.01).</summary>
    public Tensor<T> LeakyRelu(double negativeSlope = 0.01)
    {
        var slope = T.CreateChecked(negativeSlope);
        var y = MapScalar<LeakyReluOperator<T>>(slope);
        return Recording(this) ? Backward(y, this, slope) : y;
        // The derivative (1 or the slope) is constant almost everywhere: the backward is linear in g.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T slope) =>
            Record(y, "LeakyRelu", [x], g => [g * x.MapScalar<LeakyReluSlopeOperator<T>>(slope)], new ScalarAttributes(double.CreateChecked(slope)));
    }

    /// <summary>GELU, x·Φ(x) with Φ the standard normal distribution function (PyTorch's <c>gelu</c>, approximate='none').</summary>
    public Tensor<T> Gelu()
    {
        var y = MapUnary<GeluOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // Recording (a double backward): g times the recorded slope; otherwise the same product in one fused pass.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) =>
            Record(y, "Gelu", [x], g => [GradMode.IsEnabled ? g * x.GeluSlope() : MapBinary<GeluGradientOperator<T>>(x, g, "Gelu")]);
    }

    /// <summary>GELU's derivative Φ(x) + x·φ(x), recorded so that GELU has a double backward (its derivative is φ(x)(2 - x²)).</summary>
    private Tensor<T> GeluSlope()
    {
        var y = MapUnary<GeluSlopeOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "GeluSlope", [x], g => [g * x.MapUnary<GeluCurvatureOperator<T>>()]);
    }

    /// <summary>
    /// Dropout (PyTorch's <c>dropout</c> in training): each element is zeroed with probability <paramref name="p"/> and
    /// the others scaled by 1 / (1 - p), so the expected value is unchanged. The mask is drawn from
    /// <paramref name="random"/>, one draw per element in order, so a seed fixes it. p = 0 returns this tensor.
    /// </summary>
    public Tensor<T> Dropout(double p, SeededRandom random)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: the probability must be in [0, 1), got {p}.");
        ArgumentNullException.ThrowIfNull(random);
        if (p == 0) return this;
        var mask = Uninitialized(Shape);
        T keep = T.CreateChecked(1 / (1 - p));
        var m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = random.NextDouble() < p ? T.Zero : keep;
        var y = Uninitialized(Shape);
        ForElements(Size, new BinaryMap<MultiplyOperator<T>>(Buffer, Offset, mask.Buffer, mask.Offset, y.Buffer));
        return Recording(this) ? Backward(y, this, mask) : y;
        // The mask is a constant: the backward is g times it.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> mask) => Record(y, "Dropout", [x], g => [g * mask]);
    }

    /// <summary>
    /// This tensor where <paramref name="mask"/> is positive, zero elsewhere: ReLU's backward. The mask is a
    /// constant (its derivative is zero almost everywhere), so this is linear in the gradient.
    /// </summary>
    internal Tensor<T> WherePositive(Tensor<T> mask)
    {
        var y = Uninitialized(Shape);
        ForElements(Size, new BinaryMap<PositiveMaskOperator<T>>(mask.Buffer, mask.Offset, Buffer, Offset, y.Buffer));
        return Recording(this) ? Backward(y, this, mask) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> mask) => Record(y, "WherePositive", [x], g => [g.WherePositive(mask)]);
    }

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor<T> Tanh()
    {
        var y = MapUnary<TanhOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Tanh", [x], g => [g * (T.One - y * y)]);
    }

    /// <summary>Logistic sigmoid 1 / (1 + e^-x), computed without overflow.</summary>
    public Tensor<T> Sigmoid()
    {
        var y = MapUnary<SigmoidOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Sigmoid", [x], g => [g * (y * (T.One - y))]);
    }

    /// <summary>SELU: scale * (x if x > 0 else alpha * (e^x - 1)), with the constants of Klambauer et al.</summary>
    public Tensor<T> Selu()
    {
        var y = MapUnary<SeluOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Selu", [x], g =>
        {
            // selu'(x) = scale for x > 0, and scale*alpha*e^x = y + scale*alpha otherwise.
            T scale = SeluOperator<T>.Scale, scaleAlpha = SeluOperator<T>.Scale * SeluOperator<T>.Alpha;
            var positive = x.MapUnary<StepOperator<T>>();
            var slope = positive * scale + (y + scaleAlpha) * (T.One - positive);
            return [g * slope];
        });
    }

    /// <summary>x * x.</summary>
    public Tensor<T> Square() => Pow(T.CreateChecked(2));

    /// <summary>|x| (PyTorch's <c>abs</c>); the gradient is sign(x), 0 at 0 as PyTorch takes it.</summary>
    public Tensor<T> Abs()
    {
        var y = MapUnary<AbsOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // sign(x) is constant almost everywhere: the backward is linear in g.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Abs", [x], g => [g * x.Sign()]);
    }

    /// <summary>-1, 0 or 1 by the sign of each element (PyTorch's <c>sign</c>); not differentiable (its gradient is zero).</summary>
    public Tensor<T> Sign() => MapUnary<SignOperator<T>>();

    /// <summary>√x (PyTorch's <c>sqrt</c>); NaN below zero.</summary>
    public Tensor<T> Sqrt()
    {
        var y = MapUnary<SqrtOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // d√x/dx = 1 / (2√x) = 0.5 / y.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Sqrt", [x], g => [g * T.CreateChecked(0.5) / y]);
    }

    /// <summary>1 / √x (PyTorch's <c>rsqrt</c>).</summary>
    public Tensor<T> Rsqrt()
    {
        var y = MapUnary<RsqrtOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // d x^(-1/2)/dx = -x^(-3/2) / 2 = -y³ / 2.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Rsqrt", [x], g => [g * (y * y * y) * T.CreateChecked(-0.5)]);
    }

    /// <summary>sin x (PyTorch's <c>sin</c>).</summary>
    public Tensor<T> Sin()
    {
        var y = MapUnary<SinOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Sin", [x], g => [g * x.Cos()]);
    }

    /// <summary>cos x (PyTorch's <c>cos</c>).</summary>
    public Tensor<T> Cos()
    {
        var y = MapUnary<CosOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Cos", [x], g => [-(g * x.Sin())]);
    }

    /// <summary>
    /// Softplus (PyTorch's <c>softplus(x, beta, threshold)</c>): log(1 + e^(βx)) / β, computed without overflow, and x
    /// itself where βx &gt; <paramref name="threshold"/> (the two agree there to rounding). Its gradient is σ(βx), 1 above
    /// the threshold.
    /// </summary>
    public Tensor<T> Softplus(double beta = 1, double threshold = 20)
    {
        if (!(beta > 0) || double.IsInfinity(beta)) throw new ArgumentOutOfRangeException(nameof(beta), $"Softplus: beta must be positive and finite, got {beta}.");
        if (double.IsNaN(threshold)) throw new ArgumentOutOfRangeException(nameof(threshold), "Softplus: the threshold is NaN.");
        T b = T.CreateChecked(beta), t = T.CreateChecked(threshold);
        var z = beta == 1 ? this : Detach().MultiplyScalar(b);
        var y = z.MapScalar<SoftplusOperator<T>>(t);
        if (beta != 1) y = y.MapScalar<MultiplyOperator<T>>(T.One / b);
        return Recording(this) ? Backward(y, this, b, t) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T b, T t) => Record(y, "Softplus", [x], g =>
        {
            var z = x * b;
            return [g * Where(z.Gt(t), Ones([.. z.Shape.Dims]), z.Sigmoid())];
        }, new SoftplusAttributes(double.CreateChecked(b), double.CreateChecked(t)));
    }

    /// <summary>SiLU, x·σ(x) (PyTorch's <c>silu</c>; swish).</summary>
    public Tensor<T> Silu()
    {
        var y = MapUnary<SiluOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // d(xσ)/dx = σ + xσ(1 - σ) = σ(1 + x(1 - σ)).
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Silu", [x], g =>
        {
            var s = x.Sigmoid();
            return [g * (s * (x * (T.One - s) + T.One))];
        });
    }

    /// <summary>
    /// GELU (PyTorch's <c>gelu(x, approximate)</c>): exact, x·Φ(x), with <see cref="GeluApproximation.None"/>; with
    /// <see cref="GeluApproximation.Tanh"/>, x (1 + tanh(√(2/π)(x + 0.044715 x³))) / 2 (GPT-2's form).
    /// </summary>
    public Tensor<T> Gelu(GeluApproximation approximate)
    {
        if (approximate == GeluApproximation.None) return Gelu();
        if (approximate != GeluApproximation.Tanh) throw new ArgumentOutOfRangeException(nameof(approximate), $"Not a GELU approximation: {approximate}.");
        var y = MapUnary<GeluTanhOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        // With u = c(x + a x³) and t = tanh u: d/dx = (1 + t)/2 + x (1 - t²) c (1 + 3a x²) / 2.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "GeluTanh", [x], g =>
        {
            T c = GeluTanhOperator<T>.C, a = GeluTanhOperator<T>.A, half = GeluTanhOperator<T>.Half;
            var x2 = x * x;
            var t = ((x2 * a + T.One) * x * c).Tanh();
            var slope = (t + T.One) * half + x * (T.One - t * t) * (x2 * (a * T.CreateChecked(3)) + T.One) * (c * half);
            return [g * slope];
        });
    }

    /// <summary>
    /// Each element limited to [<paramref name="min"/>, <paramref name="max"/>] (PyTorch's <c>clamp(x, min, max)</c>; either
    /// bound may be left out; NaN stays NaN). The gradient passes where min ≤ x ≤ max, as PyTorch's.
    /// </summary>
    public Tensor<T> Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp: give at least one of min and max.");
        if (min is { } lo0 && max is { } hi0 && lo0 > hi0) throw new ArgumentException($"Clamp: min {lo0} is above max {hi0}.");
        var y = this;
        if (min is { } lo) y = y.MapScalar<MaximumOperator<T>>(T.CreateChecked(lo));
        if (max is { } hi) y = y.MapScalar<MinimumOperator<T>>(T.CreateChecked(hi));
        return Recording(this) ? Backward(y, this, min, max) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, double? min, double? max) => Record(y, "Clamp", [x], g =>
        {
            // The mask is a constant: the backward is g times it.
            var mask = Uninitialized(x.Shape);
            var xs = x.Span; var ms = mask.Span;
            T lo = min is { } l ? T.CreateChecked(l) : T.NegativeInfinity, hi = max is { } h ? T.CreateChecked(h) : T.PositiveInfinity;
            for (int i = 0; i < ms.Length; i++) ms[i] = xs[i] >= lo && xs[i] <= hi ? T.One : T.Zero;
            return [g * mask];
        }, new ClampAttributes(min, max));
    }
}

/// <summary>Which form of GELU (PyTorch's <c>approximate</c> argument).</summary>
public enum GeluApproximation
{
    /// <summary>The exact x·Φ(x) (PyTorch's 'none', its default).</summary>
    None,
    /// <summary>The tanh approximation of Hendrycks and Gimpel (PyTorch's 'tanh').</summary>
    Tanh,
}
