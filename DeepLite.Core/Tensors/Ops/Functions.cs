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
        var y = new Tensor<T>(Shape);
        var xs = Span; var ys = y.Span;
        if (p == T.CreateChecked(2)) Elementwise.Map<T, MultiplyOperator<T>>(xs, xs, ys);
        else for (int i = 0; i < xs.Length; i++) ys[i] = T.Pow(xs[i], p);
        return Recording(this) ? Backward(y, this, p) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T p) => Record(y, "Pow", [x], g => [g * (x.Pow(p - T.One) * p)]);
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
            Record(y, "LeakyRelu", [x], g => [g * x.MapScalar<LeakyReluSlopeOperator<T>>(slope)]);
    }

    /// <summary>GELU, x·Φ(x) with Φ the standard normal distribution function (PyTorch's <c>gelu</c>, approximate='none').</summary>
    public Tensor<T> Gelu()
    {
        var y = MapUnary<GeluOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Gelu", [x], g => [g * x.GeluSlope()]);
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
        Chunked(Size, new BinaryMap<MultiplyOperator<T>>(Buffer, Offset, mask.Buffer, mask.Offset, y.Buffer));
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
        Chunked(Size, new BinaryMap<PositiveMaskOperator<T>>(mask.Buffer, mask.Offset, Buffer, Offset, y.Buffer));
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
}
