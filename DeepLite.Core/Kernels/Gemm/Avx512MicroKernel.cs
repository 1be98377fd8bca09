using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// The AVX-512 register tile: 8 rows of A broadcast against 3 zmm vectors of B (8 x 48 floats,
/// 8 x 24 doubles), 24 accumulators of the 32 zmm registers. A is read through eight row pointers, so
/// the GEMM passes it unpacked (packing only the last rows of M, as an 8x8 transpose). Uses the Avx512F
/// intrinsics directly, because .NET reports Vector512 as not accelerated on Skylake-SP although the
/// instructions exist.
/// </summary>
internal readonly unsafe struct Avx512MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 8;
    public static int NR => 3 * Vector512<T>.Count;
    public static int ColumnStep => Vector512<T>.Count;

    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>A packed panel's whole tile (the GEMM reads A in place; panels are packed only for the last rows of M).</summary>
    public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add) => RunThree(kc, a, 1, 8, b, 3 * Vector512<T>.Count, c, ldc, add, Vector512<T>.Count);

    public static bool HasStridedForm => true;

    public static bool PacksTransposedA => false;

    /// <summary>
    /// The tile's first <paramref name="cols"/> (1..NR) columns with A read where it lies: row r's value at
    /// step p is a[r * rowStride + p * step] (a packed panel: 1 and 8; row-major A: lda and 1; transposed A:
    /// 1 and lda), so A needs no packing. Edge tiles narrower than NR compute only the vectors that hold
    /// columns (a 16-column edge costs a third of a tile, not a whole one: 256³ had spent as long as
    /// 256x256x288), the last one stored masked. B's values at step p start at b + p * <paramref name="bStep"/>: NR for a
    /// packed panel, a vector for a narrow one (a block of B no wider than a vector).
    /// </summary>
    public static bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols)
    {
        int w = Vector512<T>.Count;
        if (cols > 2 * w) RunThree(kc, a, rowStride, step, b, bStep, c, ldc, add, cols - 2 * w);
        else if (cols > w) RunTwo(kc, a, rowStride, step, b, bStep, c, ldc, add, cols - w);
        else RunOne(kc, a, rowStride, step, b, bStep, c, ldc, add, cols);
        return true;
    }

    /// <summary>Three vectors of B against eight rows: 24 accumulators, the third vector stored to <paramref name="last"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunThree(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int last)
    {
        int w = Vector512<T>.Count;
        // The mask table comes before the accumulators: a vector live across a call is kept in memory,
        // which the JIT then does on every FMA (a quarter of the throughput). Only a partial last vector reads it:
        // whole tiles skip the fill (it had been 0.6-0.9 % of a GPT step, two calls per tile).
        byte* masks = stackalloc byte[128];
        if (last < w) Simd.FillMaskTable(masks);
        Vector512<T> c0_0 = default; Vector512<T> c0_1 = default; Vector512<T> c0_2 = default;
        Vector512<T> c1_0 = default; Vector512<T> c1_1 = default; Vector512<T> c1_2 = default;
        Vector512<T> c2_0 = default; Vector512<T> c2_1 = default; Vector512<T> c2_2 = default;
        Vector512<T> c3_0 = default; Vector512<T> c3_1 = default; Vector512<T> c3_2 = default;
        Vector512<T> c4_0 = default; Vector512<T> c4_1 = default; Vector512<T> c4_2 = default;
        Vector512<T> c5_0 = default; Vector512<T> c5_1 = default; Vector512<T> c5_2 = default;
        Vector512<T> c6_0 = default; Vector512<T> c6_1 = default; Vector512<T> c6_2 = default;
        Vector512<T> c7_0 = default; Vector512<T> c7_1 = default; Vector512<T> c7_2 = default;
        T* a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride;
        T* a4 = a + 4 * rowStride, a5 = a + 5 * rowStride, a6 = a + 6 * rowStride, a7 = a + 7 * rowStride;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load512(b + 0 * w);
            var b1 = Simd.Load512(b + 1 * w);
            var b2 = Simd.Load512(b + 2 * w);
            var x0 = Simd.Broadcast512(a0); a0 += step;
            c0_0 = Simd.Fma(x0, b0, c0_0); c0_1 = Simd.Fma(x0, b1, c0_1); c0_2 = Simd.Fma(x0, b2, c0_2);
            var x1 = Simd.Broadcast512(a1); a1 += step;
            c1_0 = Simd.Fma(x1, b0, c1_0); c1_1 = Simd.Fma(x1, b1, c1_1); c1_2 = Simd.Fma(x1, b2, c1_2);
            var x2 = Simd.Broadcast512(a2); a2 += step;
            c2_0 = Simd.Fma(x2, b0, c2_0); c2_1 = Simd.Fma(x2, b1, c2_1); c2_2 = Simd.Fma(x2, b2, c2_2);
            var x3 = Simd.Broadcast512(a3); a3 += step;
            c3_0 = Simd.Fma(x3, b0, c3_0); c3_1 = Simd.Fma(x3, b1, c3_1); c3_2 = Simd.Fma(x3, b2, c3_2);
            var x4 = Simd.Broadcast512(a4); a4 += step;
            c4_0 = Simd.Fma(x4, b0, c4_0); c4_1 = Simd.Fma(x4, b1, c4_1); c4_2 = Simd.Fma(x4, b2, c4_2);
            var x5 = Simd.Broadcast512(a5); a5 += step;
            c5_0 = Simd.Fma(x5, b0, c5_0); c5_1 = Simd.Fma(x5, b1, c5_1); c5_2 = Simd.Fma(x5, b2, c5_2);
            var x6 = Simd.Broadcast512(a6); a6 += step;
            c6_0 = Simd.Fma(x6, b0, c6_0); c6_1 = Simd.Fma(x6, b1, c6_1); c6_2 = Simd.Fma(x6, b2, c6_2);
            var x7 = Simd.Broadcast512(a7); a7 += step;
            c7_0 = Simd.Fma(x7, b0, c7_0); c7_1 = Simd.Fma(x7, b1, c7_1); c7_2 = Simd.Fma(x7, b2, c7_2);
            b += bStep;
        }
        Simd.Store(c + 0 * ldc + 0 * w, c0_0, add); Simd.Store(c + 0 * ldc + 1 * w, c0_1, add); Simd.StoreFirst(c + 0 * ldc + 2 * w, c0_2, last, masks, add);
        Simd.Store(c + 1 * ldc + 0 * w, c1_0, add); Simd.Store(c + 1 * ldc + 1 * w, c1_1, add); Simd.StoreFirst(c + 1 * ldc + 2 * w, c1_2, last, masks, add);
        Simd.Store(c + 2 * ldc + 0 * w, c2_0, add); Simd.Store(c + 2 * ldc + 1 * w, c2_1, add); Simd.StoreFirst(c + 2 * ldc + 2 * w, c2_2, last, masks, add);
        Simd.Store(c + 3 * ldc + 0 * w, c3_0, add); Simd.Store(c + 3 * ldc + 1 * w, c3_1, add); Simd.StoreFirst(c + 3 * ldc + 2 * w, c3_2, last, masks, add);
        Simd.Store(c + 4 * ldc + 0 * w, c4_0, add); Simd.Store(c + 4 * ldc + 1 * w, c4_1, add); Simd.StoreFirst(c + 4 * ldc + 2 * w, c4_2, last, masks, add);
        Simd.Store(c + 5 * ldc + 0 * w, c5_0, add); Simd.Store(c + 5 * ldc + 1 * w, c5_1, add); Simd.StoreFirst(c + 5 * ldc + 2 * w, c5_2, last, masks, add);
        Simd.Store(c + 6 * ldc + 0 * w, c6_0, add); Simd.Store(c + 6 * ldc + 1 * w, c6_1, add); Simd.StoreFirst(c + 6 * ldc + 2 * w, c6_2, last, masks, add);
        Simd.Store(c + 7 * ldc + 0 * w, c7_0, add); Simd.Store(c + 7 * ldc + 1 * w, c7_1, add); Simd.StoreFirst(c + 7 * ldc + 2 * w, c7_2, last, masks, add);
    }

    /// <summary>The first two vectors of the tile (the second to <paramref name="last"/> lanes): 16 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTwo(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int last)
    {
        int w = Vector512<T>.Count;
        // The mask table comes before the accumulators: a vector live across a call is kept in memory,
        // which the JIT then does on every FMA (a quarter of the throughput). Only a partial last vector reads it:
        // whole tiles skip the fill (it had been 0.6-0.9 % of a GPT step, two calls per tile).
        byte* masks = stackalloc byte[128];
        if (last < w) Simd.FillMaskTable(masks);
        Vector512<T> c0_0 = default; Vector512<T> c0_1 = default;
        Vector512<T> c1_0 = default; Vector512<T> c1_1 = default;
        Vector512<T> c2_0 = default; Vector512<T> c2_1 = default;
        Vector512<T> c3_0 = default; Vector512<T> c3_1 = default;
        Vector512<T> c4_0 = default; Vector512<T> c4_1 = default;
        Vector512<T> c5_0 = default; Vector512<T> c5_1 = default;
        Vector512<T> c6_0 = default; Vector512<T> c6_1 = default;
        Vector512<T> c7_0 = default; Vector512<T> c7_1 = default;
        T* a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride;
        T* a4 = a + 4 * rowStride, a5 = a + 5 * rowStride, a6 = a + 6 * rowStride, a7 = a + 7 * rowStride;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load512(b + 0 * w);
            var b1 = Simd.Load512(b + 1 * w);
            var x0 = Simd.Broadcast512(a0); a0 += step;
            c0_0 = Simd.Fma(x0, b0, c0_0); c0_1 = Simd.Fma(x0, b1, c0_1);
            var x1 = Simd.Broadcast512(a1); a1 += step;
            c1_0 = Simd.Fma(x1, b0, c1_0); c1_1 = Simd.Fma(x1, b1, c1_1);
            var x2 = Simd.Broadcast512(a2); a2 += step;
            c2_0 = Simd.Fma(x2, b0, c2_0); c2_1 = Simd.Fma(x2, b1, c2_1);
            var x3 = Simd.Broadcast512(a3); a3 += step;
            c3_0 = Simd.Fma(x3, b0, c3_0); c3_1 = Simd.Fma(x3, b1, c3_1);
            var x4 = Simd.Broadcast512(a4); a4 += step;
            c4_0 = Simd.Fma(x4, b0, c4_0); c4_1 = Simd.Fma(x4, b1, c4_1);
            var x5 = Simd.Broadcast512(a5); a5 += step;
            c5_0 = Simd.Fma(x5, b0, c5_0); c5_1 = Simd.Fma(x5, b1, c5_1);
            var x6 = Simd.Broadcast512(a6); a6 += step;
            c6_0 = Simd.Fma(x6, b0, c6_0); c6_1 = Simd.Fma(x6, b1, c6_1);
            var x7 = Simd.Broadcast512(a7); a7 += step;
            c7_0 = Simd.Fma(x7, b0, c7_0); c7_1 = Simd.Fma(x7, b1, c7_1);
            b += bStep;
        }
        Simd.Store(c + 0 * ldc + 0 * w, c0_0, add); Simd.StoreFirst(c + 0 * ldc + 1 * w, c0_1, last, masks, add);
        Simd.Store(c + 1 * ldc + 0 * w, c1_0, add); Simd.StoreFirst(c + 1 * ldc + 1 * w, c1_1, last, masks, add);
        Simd.Store(c + 2 * ldc + 0 * w, c2_0, add); Simd.StoreFirst(c + 2 * ldc + 1 * w, c2_1, last, masks, add);
        Simd.Store(c + 3 * ldc + 0 * w, c3_0, add); Simd.StoreFirst(c + 3 * ldc + 1 * w, c3_1, last, masks, add);
        Simd.Store(c + 4 * ldc + 0 * w, c4_0, add); Simd.StoreFirst(c + 4 * ldc + 1 * w, c4_1, last, masks, add);
        Simd.Store(c + 5 * ldc + 0 * w, c5_0, add); Simd.StoreFirst(c + 5 * ldc + 1 * w, c5_1, last, masks, add);
        Simd.Store(c + 6 * ldc + 0 * w, c6_0, add); Simd.StoreFirst(c + 6 * ldc + 1 * w, c6_1, last, masks, add);
        Simd.Store(c + 7 * ldc + 0 * w, c7_0, add); Simd.StoreFirst(c + 7 * ldc + 1 * w, c7_1, last, masks, add);
    }

    /// <summary>The tile's first vector, to <paramref name="last"/> lanes: 8 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunOne(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int last)
    {
        int w = Vector512<T>.Count;
        // The mask table comes before the accumulators: a vector live across a call is kept in memory,
        // which the JIT then does on every FMA (a quarter of the throughput). Only a partial last vector reads it:
        // whole tiles skip the fill (it had been 0.6-0.9 % of a GPT step, two calls per tile).
        byte* masks = stackalloc byte[128];
        if (last < w) Simd.FillMaskTable(masks);
        Vector512<T> c0_0 = default;
        Vector512<T> c1_0 = default;
        Vector512<T> c2_0 = default;
        Vector512<T> c3_0 = default;
        Vector512<T> c4_0 = default;
        Vector512<T> c5_0 = default;
        Vector512<T> c6_0 = default;
        Vector512<T> c7_0 = default;
        T* a0 = a, a1 = a + rowStride, a2 = a + 2 * rowStride, a3 = a + 3 * rowStride;
        T* a4 = a + 4 * rowStride, a5 = a + 5 * rowStride, a6 = a + 6 * rowStride, a7 = a + 7 * rowStride;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load512(b + 0 * w);
            var x0 = Simd.Broadcast512(a0); a0 += step;
            c0_0 = Simd.Fma(x0, b0, c0_0);
            var x1 = Simd.Broadcast512(a1); a1 += step;
            c1_0 = Simd.Fma(x1, b0, c1_0);
            var x2 = Simd.Broadcast512(a2); a2 += step;
            c2_0 = Simd.Fma(x2, b0, c2_0);
            var x3 = Simd.Broadcast512(a3); a3 += step;
            c3_0 = Simd.Fma(x3, b0, c3_0);
            var x4 = Simd.Broadcast512(a4); a4 += step;
            c4_0 = Simd.Fma(x4, b0, c4_0);
            var x5 = Simd.Broadcast512(a5); a5 += step;
            c5_0 = Simd.Fma(x5, b0, c5_0);
            var x6 = Simd.Broadcast512(a6); a6 += step;
            c6_0 = Simd.Fma(x6, b0, c6_0);
            var x7 = Simd.Broadcast512(a7); a7 += step;
            c7_0 = Simd.Fma(x7, b0, c7_0);
            b += bStep;
        }
        Simd.StoreFirst(c + 0 * ldc + 0 * w, c0_0, last, masks, add);
        Simd.StoreFirst(c + 1 * ldc + 0 * w, c1_0, last, masks, add);
        Simd.StoreFirst(c + 2 * ldc + 0 * w, c2_0, last, masks, add);
        Simd.StoreFirst(c + 3 * ldc + 0 * w, c3_0, last, masks, add);
        Simd.StoreFirst(c + 4 * ldc + 0 * w, c4_0, last, masks, add);
        Simd.StoreFirst(c + 5 * ldc + 0 * w, c5_0, last, masks, add);
        Simd.StoreFirst(c + 6 * ldc + 0 * w, c6_0, last, masks, add);
        Simd.StoreFirst(c + 7 * ldc + 0 * w, c7_0, last, masks, add);
    }
}
