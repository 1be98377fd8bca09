using System.Numerics;
using System.Runtime.Intrinsics;

namespace DeepLite.Kernels;

/// <summary>
/// A one-argument elementwise function in scalar and vector form (the TensorPrimitives pattern):
/// one generic driver runs the vector form over full vectors and the scalar form over the tail.
/// </summary>
internal interface IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>False where the vector form merely loops over lanes (the driver then stays scalar).</summary>
    static abstract bool Vectorizable { get; }
    /// <summary>The size from which a tensor's map splits over the cores (<see cref="SplitThresholds"/>).</summary>
    static virtual int SplitElements => SplitThresholds.ElementwiseElements;
    /// <summary>
    /// Whether <see cref="Invoke(Vector512{T})"/> is written: only costly functions (GELU's), where 512-bit lanes
    /// halve the time; elementwise work bound by memory stays on 256 bits.
    /// </summary>
    static virtual bool Vectorizable512 => false;
    static abstract T Invoke(T x);
    static abstract Vector256<T> Invoke(Vector256<T> x);
    static virtual Vector512<T> Invoke(Vector512<T> x) => throw new NotSupportedException();
}

/// <summary>A two-argument elementwise function in scalar and vector form.</summary>
internal interface IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The size from which a tensor's map splits over the cores (<see cref="SplitThresholds"/>).</summary>
    static virtual int SplitElements => SplitThresholds.ElementwiseElements;
    /// <summary>Whether <see cref="Invoke(Vector512{T}, Vector512{T})"/> is written (see <see cref="IUnaryOperator{T}.Vectorizable512"/>).</summary>
    static virtual bool Vectorizable512 => false;
    static virtual Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => throw new NotSupportedException();
    static abstract T Invoke(T x, T y);
    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);
}

/// <summary>op with its arguments swapped, op(y, x): a scalar on the left through the span-op-scalar driver.</summary>
internal readonly struct SwappedOperator<T, TOp> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
{
    public static int SplitElements => TOp.SplitElements;
    public static T Invoke(T x, T y) => TOp.Invoke(y, x);
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => TOp.Invoke(y, x);
}

internal readonly struct AddOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x + y;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x + y;
}

internal readonly struct SubtractOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x - y;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x - y;
}

internal readonly struct MultiplyOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x * y;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x * y;
}

internal readonly struct DivideOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x / y;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x / y;
}

/// <summary>x > 0 ? y : 0, the ReLU gradient mask applied to y.</summary>
internal readonly struct PositiveMaskOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x > T.Zero ? y : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), y, Vector256<T>.Zero);
}

internal readonly struct NegateOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => -x;
    public static Vector256<T> Invoke(Vector256<T> x) => -x;
}

internal readonly struct ReluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    // x < 0 ? 0 : x, not x > 0 ? x : 0: NaN propagates (as in PyTorch); a NaN input must not become a
    // normal-looking 0 while the gradients go NaN.
    public static T Invoke(T x) => x < T.Zero ? T.Zero : x;
    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), Vector256<T>.Zero, x);
    public static bool Vectorizable512 => true;
    public static Vector512<T> Invoke(Vector512<T> x) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), Vector512<T>.Zero, x);
}

/// <summary>relu(x + y) (ReluOperator's form): a bias added and a ReLU layer applied in one pass, as a convolution stores its output.</summary>
internal readonly struct AddReluOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => ReluOperator<T>.Invoke(x + y);
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => ReluOperator<T>.Invoke(x + y);
}

/// <summary>1 where x > 0, else 0: ReLU's derivative (taken as 0 at 0, as PyTorch does).</summary>
internal readonly struct StepOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => x > T.Zero ? T.One : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One, Vector256<T>.Zero);
}

internal readonly struct ExpOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Exp(x);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();
}

internal readonly struct LogOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Log(x);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();
}

/// <summary>x where x is not negative, x·s where it is (NaN passes: NaN &lt; 0 is false).</summary>
internal readonly struct LeakyReluOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T s) => x < T.Zero ? x * s : x;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> s) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), x * s, x);
}

/// <summary>LeakyReLU's derivative: 1 where x &gt; 0, else s (s at 0, as PyTorch takes it).</summary>
internal readonly struct LeakyReluSlopeOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T s) => x > T.Zero ? T.One : s;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> s) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One, s);
}

/// <summary>GELU, exact: x·Φ(x) = x (1 + erf(x / √2)) / 2 (PyTorch's default, approximate='none'); Φ as <see cref="NormalDistribution{T}"/> computes it.</summary>
internal readonly struct GeluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => NormalDistribution<T>.Vectorized;
    public static int SplitElements => SplitThresholds.CostlyElementwiseElements;
    public static bool Vectorizable512 => NormalDistribution<T>.Vectorized;
    public static T Invoke(T x) => x * NormalDistribution<T>.Cdf(x);
    public static Vector256<T> Invoke(Vector256<T> x) => x * NormalDistribution<T>.Cdf(x);
    public static Vector512<T> Invoke(Vector512<T> x) => x * NormalDistribution<T>.Cdf(x);
}

/// <summary>GELU's derivative: Φ(x) + x·φ(x), with φ the standard normal density.</summary>
internal readonly struct GeluSlopeOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => NormalDistribution<T>.Vectorized;
    public static int SplitElements => SplitThresholds.CostlyElementwiseElements;
    public static bool Vectorizable512 => NormalDistribution<T>.Vectorized;
    public static T Invoke(T x) => NormalDistribution<T>.Cdf(x) + x * NormalDistribution<T>.Pdf(x);
    public static Vector256<T> Invoke(Vector256<T> x) => NormalDistribution<T>.Cdf(x) + x * NormalDistribution<T>.Pdf(x);
    public static Vector512<T> Invoke(Vector512<T> x) => NormalDistribution<T>.Cdf(x) + x * NormalDistribution<T>.Pdf(x);
}

/// <summary>
/// GELU's input gradient g·(Φ(x) + x·φ(x)) in one pass (x, g): the first-order backward, without the slope as a tensor
/// of its own. The same arithmetic as <see cref="GeluSlopeOperator{T}"/> then a product, so the bits are those of the
/// recorded form.
/// </summary>
internal readonly struct GeluGradientOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int SplitElements => SplitThresholds.CostlyElementwiseElements;
    public static bool Vectorizable512 => NormalDistribution<T>.Vectorized;
    public static T Invoke(T x, T g) => g * GeluSlopeOperator<T>.Invoke(x);
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> g) => g * GeluSlopeOperator<T>.Invoke(x);
    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> g) => g * GeluSlopeOperator<T>.Invoke(x);
}

/// <summary>GELU's second derivative: φ(x)(2 - x²).</summary>
internal readonly struct GeluCurvatureOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Two = T.CreateChecked(2);
    public static bool Vectorizable => true;
    public static T Invoke(T x) => NormalDistribution<T>.Pdf(x) * (Two - x * x);
    public static Vector256<T> Invoke(Vector256<T> x) => NormalDistribution<T>.Pdf(x) * (Vector256.Create(Two) - x * x);
}

/// <summary>
/// tanh. In float, vectorized: below |x| = 0.55 the odd Taylor polynomial to x¹⁷ (its first omitted term is under 6e-9
/// of the value there), above it 1 - 2/(e^{2|x|} + 1), which cannot cancel (the result is at least 0.5) and saturates
/// to 1 when the exponential overflows; the sign is put back after. The exp form alone would lose all but a few bits
/// near 0, where tanh(x) ≈ x. In double the scalar library tanh, lane by lane: a polynomial to double precision would
/// need twice the terms.
/// </summary>
internal readonly struct TanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => typeof(T) == typeof(float);
    public static T Invoke(T x) => T.Tanh(x);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Tanh(x.AsSingle()).As<float, T>() : Lanes.Map(x, T.Tanh);

    private static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var z = a * a;
        var p = Vector256.Create(6404582f / 10854718875f);
        p = p * z + Vector256.Create(-929569f / 638512875f);
        p = p * z + Vector256.Create(21844f / 6081075f);
        p = p * z + Vector256.Create(-1382f / 155925f);
        p = p * z + Vector256.Create(62f / 2835f);
        p = p * z + Vector256.Create(-17f / 315f);
        p = p * z + Vector256.Create(2f / 15f);
        p = p * z + Vector256.Create(-1f / 3f);
        var small = a + a * z * p;
        var one = Vector256<float>.One;
        var large = one - Vector256.Create(2f) / (Vector256.Exp(a + a) + one);
        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(0.55f)), small, large);
        return magnitude | (x & Vector256.Create(-0f)); // x's sign bit on |tanh x| (NaN stays NaN)
    }
}

internal readonly struct SigmoidOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    // Written so that neither branch overflows: exp of a non-positive number only (e = exp(-|x|) in both forms).
    public static T Invoke(T x) => x >= T.Zero ? T.One / (T.One + T.Exp(-x)) : T.Exp(x) / (T.One + T.Exp(x));
    public static Vector256<T> Invoke(Vector256<T> x)
    {
        var e = ExpOperator<T>.Invoke(-Vector256.Abs(x));
        var one = Vector256<T>.One;
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<T>.Zero), one, e) / (one + e);
    }
}

/// <summary>SELU (Klambauer et al. 2017) with its published constants.</summary>
internal readonly struct SeluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly T Alpha = T.CreateChecked(1.6732632423543772848170429916717);
    public static readonly T Scale = T.CreateChecked(1.0507009873554804934193349852946);
    public static bool Vectorizable => true;
    public static T Invoke(T x) => x > T.Zero ? Scale * x : Scale * Alpha * (T.Exp(x) - T.One);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256.Create(Scale) * x,
            Vector256.Create(Scale * Alpha) * (ExpOperator<T>.Invoke(Vector256.Min(x, Vector256<T>.Zero)) - Vector256<T>.One));
}

/// <summary>A vector form made of the scalar one, lane by lane, for a function without a vector formula of its own.</summary>
internal static class Lanes
{
    public static Vector256<T> Map<T>(Vector256<T> x, Func<T, T> f) where T : unmanaged
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++) lanes[i] = f(lanes[i]);
        return Vector256.Create<T>(lanes);
    }
}

/// <summary>|x| (NaN stays NaN).</summary>
internal readonly struct AbsOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Abs(x);
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.Abs(x);
}

/// <summary>The sign of x: -1, 0 or 1 (PyTorch's <c>sign</c>: 0 at ±0, NaN stays NaN).</summary>
internal readonly struct SignOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => x > T.Zero ? T.One : x < T.Zero ? -T.One : x;
    public static Vector256<T> Invoke(Vector256<T> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), -Vector256<T>.One, x));
}

/// <summary>√x (NaN below zero, as IEEE square root).</summary>
internal readonly struct SqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Sqrt(x);
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256.Sqrt(x);
}

/// <summary>1 / √x, as a correctly rounded square root then a division (not the hardware's 12-bit estimate).</summary>
internal readonly struct RsqrtOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.One / T.Sqrt(x);
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256<T>.One / Vector256.Sqrt(x);
}

/// <summary>sin x; the vector form is the runtime's polynomial, within a few ulps of the scalar library's.</summary>
internal readonly struct SinOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Sin(x);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Sin(x.AsSingle()).As<float, T>() : Vector256.Sin(x.AsDouble()).As<double, T>();
}

/// <summary>cos x; the vector form is the runtime's polynomial, within a few ulps of the scalar library's.</summary>
internal readonly struct CosOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => T.Cos(x);
    public static Vector256<T> Invoke(Vector256<T> x) =>
        typeof(T) == typeof(float) ? Vector256.Cos(x.AsSingle()).As<float, T>() : Vector256.Cos(x.AsDouble()).As<double, T>();
}

/// <summary>
/// softplus(x) = log(1 + eˣ), written max(x, 0) + log(1 + e^-|x|) so that no exponential overflows; x itself above
/// the threshold <c>t</c> (PyTorch's <c>threshold</c>, where the two agree to rounding).
/// </summary>
internal readonly struct SoftplusOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T t) => x > t ? x : T.Max(x, T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> t)
    {
        var e = ExpOperator<T>.Invoke(-Vector256.Abs(x));
        var y = Vector256.Max(x, Vector256<T>.Zero) + LogOperator<T>.Invoke(Vector256<T>.One + e);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, t), x, y);
    }
}

/// <summary>SiLU (swish), x·σ(x) = x / (1 + e^-x): e^-x overflowing to ∞ gives x / ∞ = -0, the limit.</summary>
internal readonly struct SiluOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool Vectorizable => true;
    public static T Invoke(T x) => x / (T.One + T.Exp(-x));
    public static Vector256<T> Invoke(Vector256<T> x) => x / (Vector256<T>.One + ExpOperator<T>.Invoke(-x));
}

/// <summary>
/// GELU's tanh approximation (PyTorch's <c>gelu(approximate='tanh')</c>): x (1 + tanh(√(2/π)(x + 0.044715 x³))) / 2,
/// the tanh written 1 - 2 / (e^{2u} + 1), which saturates cleanly at both ends.
/// </summary>
internal readonly struct GeluTanhOperator<T> : IUnaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly T C = T.CreateChecked(0.7978845608028654), A = T.CreateChecked(0.044715), Half = T.CreateChecked(0.5), Two = T.CreateChecked(2);
    public static bool Vectorizable => true;
    public static T Invoke(T x)
    {
        T u = C * (x + A * x * x * x);
        return Half * x * (Two - Two / (T.Exp(Two * u) + T.One));
    }
    public static Vector256<T> Invoke(Vector256<T> x)
    {
        var u = Vector256.Create(C) * (x + Vector256.Create(A) * x * x * x);
        var two = Vector256.Create(Two);
        return Vector256.Create(Half) * x * (two - two / (ExpOperator<T>.Invoke(two * u) + Vector256<T>.One));
    }
}

/// <summary>min(x, y), NaN if either is NaN (PyTorch's <c>minimum</c>).</summary>
internal readonly struct MinimumOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => T.IsNaN(x) || T.IsNaN(y) ? x + y : T.Min(x, y);
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y)
    {
        var nan = ~(Vector256.Equals(x, x) & Vector256.Equals(y, y));
        return Vector256.ConditionalSelect(nan, x + y, Vector256.ConditionalSelect(Vector256.LessThan(y, x), y, x));
    }
}

/// <summary>max(x, y), NaN if either is NaN (PyTorch's <c>maximum</c>).</summary>
internal readonly struct MaximumOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => T.IsNaN(x) || T.IsNaN(y) ? x + y : T.Max(x, y);
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y)
    {
        var nan = ~(Vector256.Equals(x, x) & Vector256.Equals(y, y));
        return Vector256.ConditionalSelect(nan, x + y, Vector256.ConditionalSelect(Vector256.GreaterThan(y, x), y, x));
    }
}

/// <summary>
/// The share of max(x, y)'s gradient that goes to x: 1 where x &gt; y, ½ at a tie, 0 below (PyTorch splits a tie
/// evenly). min's share for x is the same operator with the operands swapped.
/// </summary>
internal readonly struct MaximumShareOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Half = T.CreateChecked(0.5);
    public static T Invoke(T x, T y) => x > y ? T.One : x == y ? Half : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, y), Vector256<T>.One,
            Vector256.ConditionalSelect(Vector256.Equals(x, y), Vector256.Create(Half), Vector256<T>.Zero));
}

/// <summary>1 where x &gt; y, else 0 (a comparison as numbers; NaN compares false).</summary>
internal readonly struct GreaterOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x > y ? T.One : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThan(x, y), Vector256<T>.One, Vector256<T>.Zero);
}

/// <summary>1 where x ≥ y, else 0.</summary>
internal readonly struct GreaterOrEqualOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x >= y ? T.One : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, y), Vector256<T>.One, Vector256<T>.Zero);
}

/// <summary>1 where x = y, else 0.</summary>
internal readonly struct EqualOperator<T> : IBinaryOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T x, T y) => x == y ? T.One : T.Zero;
    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => Vector256.ConditionalSelect(Vector256.Equals(x, y), Vector256<T>.One, Vector256<T>.Zero);
}
