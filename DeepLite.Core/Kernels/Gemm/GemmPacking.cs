using System.Numerics;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the layouts the micro-kernels stream through:
/// A in panels of MR rows (MR values per k step), B in panels of NR columns (NR values per k step),
/// zero-padded at the edges. The transposes are absorbed here, so one kernel serves all four cases.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[rows r0..r0+mc, k p0..p0+kc] into <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(bool transA, T* a, int lda, int r0, int mc, int p0, int kc, T* dst, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i0 = 0; i0 < mc; i0 += mr, dst += kc * mr)
        {
            int rows = Math.Min(mr, mc - i0);
            if (!transA && typeof(T) == typeof(float) && mr == 8 && rows == 8 && Avx.IsSupported)
            {
                // Eight rows at a time through 8x8 register transposes; the k tail is scalar.
                float* d = (float*)dst;
                float* row0 = (float*)a + (long)(r0 + i0) * lda + p0;
                int p = 0;
                for (; p + 8 <= kc; p += 8) Simd.Transpose8x8(row0 + p, lda, d + p * 8, 8);
                for (; p < kc; p++)
                    for (int r = 0; r < 8; r++) d[p * 8 + r] = row0[(long)r * lda + p];
            }
            else if (!transA)
            {
                // Rows of A are contiguous in k: read each row once, write it with stride MR.
                for (int r = 0; r < rows; r++)
                {
                    T* src = a + (long)(r0 + i0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++) dst[p * mr + r] = src[p];
                }
            }
            else if (typeof(T) == typeof(float) && mr == 6 && rows == 6)
            {
                // A is stored K x M, the AVX2 kernel's six floats per k step as one 16- and one 8-byte move (the scalar
                // copy had been 7 % of a GPT step's samples on AVX2, where the weight gradients' transposed A is packed).
                for (int p = 0; p < kc; p++)
                {
                    float* src = (float*)a + (long)(p0 + p) * lda + r0 + i0, d = (float*)dst + p * 6;
                    Vector128.Store(Vector128.Load(src), d);
                    *(long*)(d + 4) = *(long*)(src + 4);
                }
            }
            else
            {
                // A is stored K x M: MR consecutive values per k step.
                for (int p = 0; p < kc; p++)
                {
                    T* src = a + (long)(p0 + p) * lda + r0 + i0;
                    for (int r = 0; r < rows; r++) dst[p * mr + r] = src[r];
                }
            }
            if (rows < mr)
                for (int p = 0; p < kc; p++)
                    for (int r = rows; r < mr; r++) dst[p * mr + r] = T.Zero;
        }
    }

    /// <summary>Packs op(B)[k p0..p0+kc, columns c0..c0+nc] into <paramref name="dst"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(bool transB, T* b, int ldb, int p0, int kc, int c0, int nc, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int whole = 0;
        if (!transB && nr % Vector256<T>.Count == 0 && Vector256.IsHardwareAccelerated)
        {
            // B stored k x n (every backward product dX = dY W and dW = dYᵀ X): the whole panels are filled a row of B
            // at a time, so B is read sequentially, in vector moves (panel by panel it was read NR values per row down
            // kc rows, a span copy each).
            whole = nc / nr * nr;
            int w = Vector256<T>.Count;
            for (int p = 0; p < kc; p++)
            {
                T* src = b + (long)(p0 + p) * ldb + c0, d = dst + p * nr;
                for (int j0 = 0; j0 < whole; j0 += nr, src += nr, d += kc * nr)
                    for (int c = 0; c < nr; c += w) Vector256.Store(Vector256.Load(src + c), d + c);
            }
        }
        dst += whole * kc;
        for (int j0 = whole; j0 < nc; j0 += nr, dst += kc * nr)
        {
            int cols = Math.Min(nr, nc - j0);
            if (!transB)
            {
                // The last, narrower panel (a head's 32 values of an attention product, the 32 past 96 of a 128-wide
                // layer): its row's values and the zeros after them in vector moves where they fill vectors.
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + (long)(p0 + p) * ldb + c0 + j0, d = dst + p * nr;
                    int c = 0;
                    if (Vector256.IsHardwareAccelerated)
                        for (; c + Vector256<T>.Count <= cols; c += Vector256<T>.Count) Vector256.Store(Vector256.Load(src + c), d + c);
                    for (; c < cols; c++) d[c] = src[c];
                    ZeroTail(d, cols, nr);
                }
            }
            else
            {
                // B is stored N x K: each column of op(B) is a contiguous row. Full groups of eight
                // columns go through 8x8 register transposes (float), the rest element by element.
                int c0Fast = 0;
                if (typeof(T) == typeof(float) && Avx.IsSupported)
                {
                    for (; c0Fast + 8 <= cols; c0Fast += 8)
                    {
                        float* src = (float*)b + (long)(c0 + j0 + c0Fast) * ldb + p0;
                        float* d = (float*)dst + c0Fast;
                        int p = 0;
                        for (; p + 8 <= kc; p += 8) Simd.Transpose8x8(src + p, ldb, d + p * nr, nr);
                        for (; p < kc; p++)
                            for (int c = 0; c < 8; c++) d[p * nr + c] = src[(long)c * ldb + p];
                    }
                }
                for (int c = c0Fast; c < cols; c++)
                {
                    T* src = b + (long)(c0 + j0 + c) * ldb + p0;
                    for (int p = 0; p < kc; p++) dst[p * nr + c] = src[p];
                }
                for (int p = 0; p < kc; p++) ZeroTail(dst + p * nr, cols, nr);
            }
        }
    }

    /// <summary>Zeros row[from..to): scalar up to a vector boundary, then whole vectors, then the rest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ZeroTail<T>(T* row, int from, int to) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = from;
        if (Vector256.IsHardwareAccelerated)
        {
            int w = Vector256<T>.Count;
            for (; c < to && c % w != 0; c++) row[c] = T.Zero;
            for (; c + w <= to; c += w) Vector256.Store(Vector256<T>.Zero, row + c);
        }
        for (; c < to; c++) row[c] = T.Zero;
    }
}
