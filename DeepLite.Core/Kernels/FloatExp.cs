using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepLite.Kernels;

/// <summary>
/// e^x in float (Cephes' expf): n = round(x·log₂e), r = x - n·ln 2 in two parts (Cody and Waite), e^r by a degree-6
/// polynomial, times 2ⁿ built in the exponent bits; within 2 ulp of the exact value on [-87.3, 88.7], 0 below (where
/// the exact value is subnormal or less), +∞ above, NaN for NaN. The runtime's float exponential works in double and cost half of a GELU; this one
/// stays in float, and its scalar, 256-bit and 512-bit forms do the same operations, so a vector lane and a scalar tail
/// give the same bits. The two vector forms are written out: the runtime's ISimdVector, which would let one generic
/// method serve both, is not public.
/// </summary>
internal static class FloatExp
{
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    /// <summary>Below this the result would be subnormal: 0. Above <see cref="High"/>, +∞.</summary>
    private const float Low = -87.33654f, High = 88.72283f;

    /// <summary>e^x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        if (!(x >= Low)) return float.IsNaN(x) ? x : 0f;
        if (x > High) return float.PositiveInfinity;
        float n = MathF.Round(x * Log2E, MidpointRounding.ToEven);
        float r = MathF.FusedMultiplyAdd(-n, Ln2Lo, MathF.FusedMultiplyAdd(-n, Ln2Hi, x));
        float p = MathF.FusedMultiplyAdd(P0, r, P1);
        p = MathF.FusedMultiplyAdd(p, r, P2); p = MathF.FusedMultiplyAdd(p, r, P3);
        p = MathF.FusedMultiplyAdd(p, r, P4); p = MathF.FusedMultiplyAdd(p, r, P5);
        float e = MathF.FusedMultiplyAdd(p * r, r, r) + 1f;
        // 2ⁿ as two powers of two (n reaches 128 at the top, -126 at the bottom: one factor would leave the exponent range).
        int half = (int)n >> 1;
        return e * BitConverter.Int32BitsToSingle((half + 127) << 23) * BitConverter.Int32BitsToSingle(((int)n - half + 127) << 23);
    }

    /// <summary>e^x of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(Low)), Vector256.Create(High));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Lo), Vector256.FusedMultiplyAdd(-n, Vector256.Create(Ln2Hi), clamped));
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2)); p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4)); p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var e = Vector256.FusedMultiplyAdd(p * r, r, r) + Vector256<float>.One;
        var whole = Vector256.ConvertToInt32(n);
        var half = Vector256.ShiftRightArithmetic(whole, 1);
        var y = e * Vector256.ShiftLeft(half + Vector256.Create(127), 23).AsSingle() * Vector256.ShiftLeft(whole - half + Vector256.Create(127), 23).AsSingle();
        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Low)), Vector256<float>.Zero, y);
        y = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(High)), Vector256.Create(float.PositiveInfinity), y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x);
    }

    /// <summary>e^x of each lane (AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var clamped = Vector512.Min(Vector512.Max(x, Vector512.Create(Low)), Vector512.Create(High));
        var n = Vector512.Round(clamped * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Lo), Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Hi), clamped));
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2)); p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4)); p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var e = Vector512.FusedMultiplyAdd(p * r, r, r) + Vector512<float>.One;
        var whole = Vector512.ConvertToInt32(n);
        var half = Vector512.ShiftRightArithmetic(whole, 1);
        var y = e * Vector512.ShiftLeft(half + Vector512.Create(127), 23).AsSingle() * Vector512.ShiftLeft(whole - half + Vector512.Create(127), 23).AsSingle();
        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(Low)), Vector512<float>.Zero, y);
        y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(High)), Vector512.Create(float.PositiveInfinity), y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x);
    }
}
