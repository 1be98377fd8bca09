using DeepLite.Kernels;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Matrix product op(this) * op(b) (PyTorch's <c>a.matmul(b)</c>, <c>a @ b</c>), where op transposes the last two
    /// dimensions when asked (without a copy).
    /// Shapes: [M,K] x [K,N]; batched [..., M, K] x [..., K, N] whose batch dimensions broadcast (a batched operand
    /// against a matrix, [B, H, T, d] x [B, H, d, T] for attention, [B, 1, M, K] x [H, K, N]); a 1-D operand is a vector
    /// as in PyTorch (its dimension dropped from the result).
    /// </summary>
    public Tensor<T> MatMul(Tensor<T> b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(b);
        var a = this;
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"MatMul: operands need at least one dimension, got {a.Shape} and {b.Shape}.");
        // Vectors as PyTorch takes them: a 1-D left operand is a row [1, K], a 1-D right one a column [K, 1], and that
        // dimension is dropped from the result.
        if (a.Rank == 1 && b.Rank == 1) return a.Reshape(1, a.Shape[0]).MatMul(b.Reshape(b.Shape[0], 1)).Reshape([]);
        if (a.Rank == 1) return a.Reshape(1, a.Shape[0]).MatMul(b, false, transposeB).Squeeze(-2);
        if (b.Rank == 1) return a.MatMul(b.Reshape(b.Shape[0], 1), transposeA, false).Squeeze(-1);
        if (b.Rank == 2 && a.Rank > 2 && !transposeA)
        {
            // [..., M, K] x [K, N]: one large GEMM over the stacked rows.
            var flat = a.Reshape(-1, a.Shape.Dims[^1]);
            var dims = a.Shape.ToArray(); dims[^1] = transposeB ? b.Shape.Dims[0] : b.Shape.Dims[1];
            return flat.MatMul(b, false, transposeB).Reshape(dims);
        }
        if (a.Rank != b.Rank || !a.Shape.Dims[..^2].SequenceEqual(b.Shape.Dims[..^2]))
        {
            // Batch dimensions broadcast (PyTorch's matmul); BroadcastTo is recorded, so each gradient sums back.
            var batchDims = Shape.Broadcast(new Shape(a.Shape.Dims[..^2].ToArray()), new Shape(b.Shape.Dims[..^2].ToArray()), "MatMul");
            a = a.BroadcastTo(new Shape([.. batchDims.Dims, .. a.Shape.Dims[^2..]]));
            b = b.BroadcastTo(new Shape([.. batchDims.Dims, .. b.Shape.Dims[^2..]]));
        }
        int m = transposeA ? a.Shape.Dims[^1] : a.Shape.Dims[^2];
        int k = transposeA ? a.Shape.Dims[^2] : a.Shape.Dims[^1];
        int kb = transposeB ? b.Shape.Dims[^1] : b.Shape.Dims[^2];
        int n = transposeB ? b.Shape.Dims[^2] : b.Shape.Dims[^1];
        if (k != kb || !a.Shape.Dims[..^2].SequenceEqual(b.Shape.Dims[..^2]))
            throw new ArgumentException($"MatMul: shapes {a.Shape}{(transposeA ? "ᵀ" : "")} and {b.Shape}{(transposeB ? "ᵀ" : "")} do not match (inner dimensions {k} and {kb}).");

        int batch = a.Shape.Product(0, a.Rank - 2);
        var y = Uninitialized(Shape.Own([.. a.Shape.Dims[..^2], m, n]));
        int lda = a.Shape.Dims[^1], ldb = b.Shape.Dims[^1];
        var products = new BatchedProducts(transposeA, transposeB, m, n, k, a.Buffer, a.Offset, lda, b.Buffer, b.Offset, ldb, y.Buffer);
        // Products too small to split one by one (attention's per-head scores) are split over the batch instead: each
        // share computes whole products, so every output has the bits of the one-product call.
        if (batch > 1 && (long)m * n * k < SplitThresholds.GemmMultiplyAdds && (long)batch * m * n * k >= SplitThresholds.GemmMultiplyAdds)
            WorkerPool.For(batch, products);
        else products.Run(0, batch);

        return Recording(a, b) ? Backward(y, a, b, transposeA, transposeB) : y;

        // For C = op(A) op(B): dA = dC op(B)ᵀ (transposed back when A was), dB = op(A)ᵀ dC (likewise).
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b, bool transposeA, bool transposeB) => Record(y, "MatMul", [a, b], g =>
        [
            a.RequiresGrad ? (transposeA ? b.MatMul(g, transposeB, true) : g.MatMul(b, false, !transposeB)) : null,
            b.RequiresGrad ? (transposeB ? g.MatMul(a, true, transposeA) : a.MatMul(g, !transposeA, false)) : null,
        ], new MatMulAttributes(transposeA, transposeB));
    }

    /// <summary>Products [start, end) of a batch, each one GEMM on its slices, as a struct body for the worker pool.</summary>
    private readonly struct BatchedProducts(bool transposeA, bool transposeB, int m, int n, int k, T[] a, int aOffset, int lda, T[] b, int bOffset, int ldb, T[] y)
        : WorkerPool.IRange
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
                GemmKernel.Multiply<T>(transposeA, transposeB, m, n, k,
                    a.AsSpan(aOffset + i * m * k, m * k), lda, b.AsSpan(bOffset + i * k * n, k * n), ldb, y.AsSpan(i * m * n, m * n), n);
        }
    }
}
