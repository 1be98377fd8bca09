using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// The AVX2/FMA register tile: 6 rows of A against 2 ymm vectors of B (6 x 16 floats, 6 x 8 doubles),
/// 12 accumulators of the 16 ymm registers. Like the AVX-512 tile it reads A through row pointers, so the GEMM
/// passes A unpacked (packing only the last rows of M, and a transposed A: <see cref="PacksTransposedA"/>): packing A
/// for every block had been 18 % of a GPT step's samples on a 2-core Zen 3, where its broadcasts take A's values one
/// at a time anyway.
/// </summary>
internal readonly unsafe struct Avx2MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;
    public static int ColumnStep => Vector256<T>.Count;

    public static bool IsSupported => System.Runtime.Intrinsics.X86.Fma.IsSupported && Avx2.IsSupported;

    /// <summary>A packed panel's whole tile: the six rows' values at step p are a[6p..6p+5], B's two vectors b[2wp..].</summary>
    public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add) => RunTwo(kc, a, 1, 6, b, 2 * Vector256<T>.Count, c, ldc, add, Vector256<T>.Count);

    public static bool HasStridedForm => true;

    /// <summary>
    /// Measured on a 2-core Zen 3 (per-shape minima of six alternating processes, two threads): reading A in place
    /// took 768x512x128 from 0.707 to 0.584 ms and a GPT layer's 15 products from 6.33 to 6.06 ms, but the weight
    /// gradients' transposed A from 0.676 to 0.744 ms (512x768x128), so that one stays packed.
    /// </summary>
    public static bool PacksTransposedA => true;

    /// <summary>
    /// The tile's first <paramref name="cols"/> (1..NR) columns with A read where it lies (row r's value at step p is
    /// a[r * rowStride + p * step]), the last vector stored masked; a tile of one vector's width computes one vector.
    /// B's values at step p start at b + p * <paramref name="bStep"/>. The packed <see cref="Run"/> is the same loop.
    /// </summary>
    public static bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols)
    {
        int w = Vector256<T>.Count;
        if (cols > w) RunTwo(kc, a, rowStride, step, b, bStep, c, ldc, add, cols - w);
        else RunOne(kc, a, rowStride, step, b, bStep, c, ldc, add, cols);
        return true;
    }

    /// <summary>Two vectors of B against six rows: 12 accumulators, the second vector stored to <paramref name="last"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTwo(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int last)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0_0 = default; Vector256<T> c0_1 = default;
        Vector256<T> c1_0 = default; Vector256<T> c1_1 = default;
        Vector256<T> c2_0 = default; Vector256<T> c2_1 = default;
        Vector256<T> c3_0 = default; Vector256<T> c3_1 = default;
        Vector256<T> c4_0 = default; Vector256<T> c4_1 = default;
        Vector256<T> c5_0 = default; Vector256<T> c5_1 = default;
        T* a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride, a4 = a + 4 * rowStride, a5 = a + 5 * rowStride;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load256(b + 0 * w);
            var b1 = Simd.Load256(b + 1 * w);
            var x0 = Simd.Broadcast256(a0); a0 += step;
            c0_0 = Simd.Fma(x0, b0, c0_0); c0_1 = Simd.Fma(x0, b1, c0_1);
            var x1 = Simd.Broadcast256(a1); a1 += step;
            c1_0 = Simd.Fma(x1, b0, c1_0); c1_1 = Simd.Fma(x1, b1, c1_1);
            var x2 = Simd.Broadcast256(a2); a2 += step;
            c2_0 = Simd.Fma(x2, b0, c2_0); c2_1 = Simd.Fma(x2, b1, c2_1);
            var x3 = Simd.Broadcast256(a3); a3 += step;
            c3_0 = Simd.Fma(x3, b0, c3_0); c3_1 = Simd.Fma(x3, b1, c3_1);
            var x4 = Simd.Broadcast256(a4); a4 += step;
            c4_0 = Simd.Fma(x4, b0, c4_0); c4_1 = Simd.Fma(x4, b1, c4_1);
            var x5 = Simd.Broadcast256(a5); a5 += step;
            c5_0 = Simd.Fma(x5, b0, c5_0); c5_1 = Simd.Fma(x5, b1, c5_1);
            b += bStep;
        }
        Simd.Store(c + 0 * ldc, c0_0, add); Simd.StoreFirst(c + 0 * ldc + w, c0_1, last, add);
        Simd.Store(c + 1 * ldc, c1_0, add); Simd.StoreFirst(c + 1 * ldc + w, c1_1, last, add);
        Simd.Store(c + 2 * ldc, c2_0, add); Simd.StoreFirst(c + 2 * ldc + w, c2_1, last, add);
        Simd.Store(c + 3 * ldc, c3_0, add); Simd.StoreFirst(c + 3 * ldc + w, c3_1, last, add);
        Simd.Store(c + 4 * ldc, c4_0, add); Simd.StoreFirst(c + 4 * ldc + w, c4_1, last, add);
        Simd.Store(c + 5 * ldc, c5_0, add); Simd.StoreFirst(c + 5 * ldc + w, c5_1, last, add);
    }

    /// <summary>The tile's first vector, to <paramref name="last"/> lanes: 6 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunOne(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int last)
    {
        Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        T* a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride, a4 = a + 4 * rowStride, a5 = a + 5 * rowStride;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load256(b);
            c0 = Simd.Fma(Simd.Broadcast256(a0), b0, c0); a0 += step;
            c1 = Simd.Fma(Simd.Broadcast256(a1), b0, c1); a1 += step;
            c2 = Simd.Fma(Simd.Broadcast256(a2), b0, c2); a2 += step;
            c3 = Simd.Fma(Simd.Broadcast256(a3), b0, c3); a3 += step;
            c4 = Simd.Fma(Simd.Broadcast256(a4), b0, c4); a4 += step;
            c5 = Simd.Fma(Simd.Broadcast256(a5), b0, c5); a5 += step;
            b += bStep;
        }
        Simd.StoreFirst(c + 0 * ldc, c0, last, add);
        Simd.StoreFirst(c + 1 * ldc, c1, last, add);
        Simd.StoreFirst(c + 2 * ldc, c2, last, add);
        Simd.StoreFirst(c + 3 * ldc, c3, last, add);
        Simd.StoreFirst(c + 4 * ldc, c4, last, add);
        Simd.StoreFirst(c + 5 * ldc, c5, last, add);
    }
}
