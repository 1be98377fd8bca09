using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// Direct loops for products too small to pay for packing: a batch-1 dense layer (1 x 280 times
/// 280 x 1) through the 8 x 48 packed tiles is nearly all padding.
/// Each element of C is summed over k in order by one thread, so the bits depend only on the shape.
/// </summary>
internal static class SmallGemm
{
    /// <summary>Products up to this many multiply-adds go here whatever their shape.</summary>
    private const long MultiplyAdds = 4096;

    /// <summary>
    /// True when the direct loops beat packing: tiny products, and one- or two-row products (batch-1 layers,
    /// matrix-vector) unless both operands are transposed (then neither is contiguous along a vector).
    /// </summary>
    public static bool Prefer(bool transA, bool transB, int m, int n, int k) =>
        (long)m * n * k <= MultiplyAdds || (m <= 2 && !(transA && transB));

    /// <summary>C = op(A) op(B) (+ C when accumulating), with the same operand conventions as <see cref="GemmKernel.Multiply{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = System.Runtime.Intrinsics.Vector256<T>.Count;
        if (n == 1 && ldc == 1 && m >= width)
        {
            // A contiguous column: compute it as the row Cᵀ = op(B)ᵀ op(A)ᵀ (the weight gradient of a batch-1 layer).
            Multiply(!transB, !transA, 1, m, k, b, ldb, a, lda, c, m, accumulate);
            return;
        }
        // B's rows are contiguous along j when B is stored k x n, or stored n x 1 with unit stride.
        bool rowsContiguous = !transB || (k == 1 && ldb == 1);
        if (rowsContiguous && n >= width)
        {
            // C[i,:] += A(i,p) * B[p,:], vectorized over the row.
            int rowStep = transB ? 1 : ldb;
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                int p = 0;
                if (!accumulate)
                {
                    // The first term overwrites (no clearing pass to read back).
                    if (k == 0) { Elementwise.Zero(row); continue; }
                    Elementwise.Map<T, MultiplyOperator<T>>(b.Slice(0, n), transA ? a[i] : a[i * lda], row);
                    p = 1;
                }
                for (; p < k; p++)
                    Elementwise.AddScaled(b.Slice(p * rowStep, n), transA ? a[p * lda + i] : a[i * lda + p], row);
            }
        }
        else if (transB && !transA && k >= width)
        {
            // Rows of A and of the stored B are both contiguous along p: each element is a dot product.
            for (int i = 0; i < m; i++)
            {
                var aRow = a.Slice(i * lda, k);
                for (int j = 0; j < n; j++)
                {
                    T dot = Elementwise.Dot(aRow, b.Slice(j * ldb, k));
                    c[i * ldc + j] = accumulate ? c[i * ldc + j] + dot : dot;
                }
            }
        }
        else
        {
            // Too short along any contiguous direction for a vector: plain loops with strides.
            int aRow = transA ? 1 : lda, aStep = transA ? lda : 1;
            int bStep = transB ? 1 : ldb, bColumn = transB ? ldb : 1;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    T sum = T.Zero;
                    for (int p = 0; p < k; p++) sum += a[i * aRow + p * aStep] * b[p * bStep + j * bColumn];
                    c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum;
                }
        }
    }
}
