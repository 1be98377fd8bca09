using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepLite.Kernels;

/// <summary>
/// Φ(x), the standard normal distribution function, in the two precisions: in double, 0.5·erfc(-x/√2) through MathNet's
/// erfc (to double rounding in both tails, where 1 + erf would cancel to 0 below x ≈ -8; scalar); in float,
/// 0.5·erfc(-x/√2) with Numerical Recipes' Chebyshev erfc (erfcc), whose relative error is below 1.2e-7 everywhere, so Φ
/// keeps about float precision in both tails (far left it is tiny, and relative accuracy is what GELU there needs). The
/// float form is written in scalar, 256-bit and 512-bit code doing the same operations (fused Horner steps,
/// <see cref="FloatExp"/>), so GELU in float runs vectorized and its lanes and tails agree bit for bit.
/// </summary>
internal static class NormalDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static readonly bool Vectorized = typeof(T) == typeof(float);
    private static readonly T Half = T.CreateChecked(0.5), InvSqrt2Pi = T.CreateChecked(0.39894228040143268);

    /// <summary>Φ(x).</summary>
    public static T Cdf(T x)
    {
        if (typeof(T) == typeof(float)) return Unsafe.BitCast<float, T>(NormalFloat.Cdf(Unsafe.BitCast<T, float>(x)));
        double v = double.CreateChecked(x);
        return T.CreateChecked(0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-v / Math.Sqrt(2))); // not 1 + erf: exact in the left tail too
    }

    /// <summary>Φ of each lane (float vectorized: <see cref="Vectorized"/>; double lane by lane).</summary>
    public static Vector256<T> Cdf(Vector256<T> x) => typeof(T) == typeof(float) ? NormalFloat.Cdf(x.AsSingle()).As<float, T>() : Lanes.Map(x, Cdf);

    /// <summary>Φ of each lane, 512 bits (float only).</summary>
    public static Vector512<T> Cdf(Vector512<T> x) => NormalFloat.Cdf(x.AsSingle()).As<float, T>();

    /// <summary>φ(x), the standard normal density.</summary>
    public static T Pdf(T x) => typeof(T) == typeof(float) ? Unsafe.BitCast<float, T>(NormalFloat.Pdf(Unsafe.BitCast<T, float>(x)))
        : T.Exp(-Half * x * x) * InvSqrt2Pi;

    /// <summary>φ of each lane.</summary>
    public static Vector256<T> Pdf(Vector256<T> x) => typeof(T) == typeof(float) ? NormalFloat.Pdf(x.AsSingle()).As<float, T>() : Lanes.Map(x, Pdf);

    /// <summary>φ of each lane, 512 bits (float only).</summary>
    public static Vector512<T> Pdf(Vector512<T> x) => NormalFloat.Pdf(x.AsSingle()).As<float, T>();
}

/// <summary><see cref="NormalDistribution{T}"/>'s float forms: erfcc with fused Horner steps and <see cref="FloatExp"/>.</summary>
internal static class NormalFloat
{
    private const float C0 = -1.26551223f, C1 = 1.00002368f, C2 = 0.37409196f, C3 = 0.09678418f, C4 = -0.18628806f,
        C5 = 0.27886807f, C6 = -1.13520398f, C7 = 1.48851587f, C8 = -0.82215223f, C9 = 0.17087277f;
    private const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.39894228040143268f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Cdf(float x)
    {
        float z = MathF.Abs(x) * InvSqrt2, t = 1f / MathF.FusedMultiplyAdd(0.5f, z, 1f);
        float p = MathF.FusedMultiplyAdd(C9, t, C8);
        p = MathF.FusedMultiplyAdd(p, t, C7); p = MathF.FusedMultiplyAdd(p, t, C6); p = MathF.FusedMultiplyAdd(p, t, C5);
        p = MathF.FusedMultiplyAdd(p, t, C4); p = MathF.FusedMultiplyAdd(p, t, C3); p = MathF.FusedMultiplyAdd(p, t, C2);
        p = MathF.FusedMultiplyAdd(p, t, C1); p = MathF.FusedMultiplyAdd(p, t, C0);
        float tail = 0.5f * t * FloatExp.Exp(MathF.FusedMultiplyAdd(-z, z, p)); // Φ(-|x|) = erfc(|x|/√2) / 2
        return x >= 0f ? 1f - tail : float.IsNaN(x) ? x : tail;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Cdf(Vector256<float> x)
    {
        var z = Vector256.Abs(x) * Vector256.Create(InvSqrt2);
        var t = Vector256<float>.One / Vector256.FusedMultiplyAdd(Vector256.Create(0.5f), z, Vector256<float>.One);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(C9), t, Vector256.Create(C8));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C7)); p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C6));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C5)); p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C4));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C3)); p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C2));
        p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C1)); p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(C0));
        var tail = Vector256.Create(0.5f) * t * FloatExp.Exp(Vector256.FusedMultiplyAdd(-z, z, p));
        var cdf = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero), Vector256<float>.One - tail, tail);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), cdf, x); // NaN stays NaN
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Cdf(Vector512<float> x)
    {
        var z = Vector512.Abs(x) * Vector512.Create(InvSqrt2);
        var t = Vector512<float>.One / Vector512.FusedMultiplyAdd(Vector512.Create(0.5f), z, Vector512<float>.One);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(C9), t, Vector512.Create(C8));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C7)); p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C6));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C5)); p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C4));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C3)); p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C2));
        p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C1)); p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(C0));
        var tail = Vector512.Create(0.5f) * t * FloatExp.Exp(Vector512.FusedMultiplyAdd(-z, z, p));
        var cdf = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(x, Vector512<float>.Zero), Vector512<float>.One - tail, tail);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), cdf, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pdf(float x) => FloatExp.Exp(-0.5f * x * x) * InvSqrt2Pi;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Pdf(Vector256<float> x) => FloatExp.Exp(Vector256.Create(-0.5f) * x * x) * Vector256.Create(InvSqrt2Pi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Pdf(Vector512<float> x) => FloatExp.Exp(Vector512.Create(-0.5f) * x * x) * Vector512.Create(InvSqrt2Pi);
}
