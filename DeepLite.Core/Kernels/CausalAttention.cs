using System.Numerics;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels;

/// <summary>
/// Causal multi-head attention, y = softmax(scale · q kᵀ, row i seeing keys 0..i) v per head, forward and first-order
/// backward, over rows of heads (<see cref="AttentionLayout"/>: head h of a row is its h-th block of dk or dv values, in
/// tensors of their own or in one projection's [B, T, 3C] output) into y [B, T, H·dv]: the operands as they lie, so no
/// head is copied to a [B, H, T, d] layout and back. A head's products, its causal softmax and (backward) the softmax's
/// gradient run one after another on one thread while its T x T weights are in cache; the heads are split over the
/// worker pool. The products are <see cref="GemmKernel"/>'s and the softmax <see cref="RowNormalization"/>'s, with the
/// operands the separate ops (MatMul, CausalSoftmax, MatMul) would give them, so every value has those ops' bits.
/// </summary>
internal static class CausalAttention
{
    /// <summary>
    /// y [B, T, H·dv] and the weights [B, H, T, T] (each head's softmax, 0 above the diagonal, kept for the backward) from
    /// q, k and v laid out as <paramref name="layout"/> says, each from its offset. Every element of y and the weights is written.
    /// </summary>
    public static void Forward<T>(T[] q, int qOffset, T[] k, int kOffset, T[] v, int vOffset, AttentionLayout layout, T scale, T[] weights, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(layout, new ForwardHeads<T>(q, qOffset, k, kOffset, v, vOffset, layout, scale, weights, y));

    /// <summary>
    /// dq, dk and dv, laid out as q, k and v (from their offsets; they may share an array, as the blocks of one [B, T, 3C]
    /// gradient do), for dL/dy = g (from its offset), from the forward's operands and weights:
    /// per head dP = g vᵀ and dV = Pᵀ g, dS = scale · P ∘ (dP - Σ_j dP_j P_j) (in <paramref name="scratch"/>, [B, H, T, T]),
    /// dQ = dS k and dK = dSᵀ q. Every element of the three gradients is written.
    /// </summary>
    public static void Backward<T>(T[] q, int qOffset, T[] k, int kOffset, T[] v, int vOffset, T[] weights, T[] g, int gOffset,
        AttentionLayout layout, T scale, T[] scratch, T[] dq, int dqOffset, T[] dk, int dkOffset, T[] dv, int dvOffset) where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(layout, new BackwardHeads<T>(q, qOffset, k, kOffset, v, vOffset, weights, g, gOffset, layout, scale, scratch, dq, dqOffset, dk, dkOffset, dv, dvOffset));

    /// <summary>Heads over the worker pool when their products are worth a split (GEMM's threshold), else on this thread.</summary>
    private static void Split<TBody>(AttentionLayout layout, TBody body) where TBody : struct, WorkerPool.IRange
    {
        int heads = layout.Batch * layout.Heads;
        long work = (long)heads * layout.T * layout.T * Math.Max(layout.Dk, layout.Dv);
        if (work < SplitThresholds.GemmMultiplyAdds) body.Run(0, heads);
        else WorkerPool.For(heads, body);
    }

    private readonly struct ForwardHeads<T>(T[] q, int qOffset, T[] k, int kOffset, T[] v, int vOffset, AttentionLayout l, T scale, T[] weights, T[] y)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            int t = l.T;
            for (int head = start; head < end; head++)
            {
                // S = q kᵀ into the head's weights, then the causal softmax of its rows in place.
                var p = weights.AsSpan(head * t * t, t * t);
                GemmKernel.Multiply<T>(false, true, t, t, l.Dk, l.Rows(q, qOffset, head, l.Dk, l.KeyStride), l.KeyStride, l.Rows(k, kOffset, head, l.Dk, l.KeyStride), l.KeyStride, p, t, maxThreads: 1);
                RowNormalization.CausalSoftmaxRows(weights, head * t * t, t, scale, weights, head * t * t);
                // y = P v.
                GemmKernel.Multiply<T>(false, false, t, l.Dv, t, p, t, l.Rows(v, vOffset, head, l.Dv, l.ValueStride), l.ValueStride, l.Rows(y, 0, head, l.Dv, l.OutputStride), l.OutputStride, maxThreads: 1);
            }
        }
    }

    private readonly struct BackwardHeads<T>(T[] q, int qOffset, T[] k, int kOffset, T[] v, int vOffset, T[] weights, T[] g, int gOffset,
        AttentionLayout l, T scale, T[] scratch, T[] dq, int dqOffset, T[] dk, int dkOffset, T[] dv, int dvOffset) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int start, int end)
        {
            int t = l.T;
            for (int head = start; head < end; head++)
            {
                var p = weights.AsSpan(head * t * t, t * t);
                var ds = scratch.AsSpan(head * t * t, t * t);
                var gh = l.Rows(g, gOffset, head, l.Dv, l.OutputStride);
                // y = P v: dP = g vᵀ, dV = Pᵀ g.
                GemmKernel.Multiply<T>(false, true, t, t, l.Dv, gh, l.OutputStride, l.Rows(v, vOffset, head, l.Dv, l.ValueStride), l.ValueStride, ds, t, maxThreads: 1);
                GemmKernel.Multiply<T>(true, false, t, l.Dv, t, p, t, gh, l.OutputStride, l.Rows(dv, dvOffset, head, l.Dv, l.ValueStride), l.ValueStride, maxThreads: 1);
                // P = causal softmax(scale · S): dS from P and dP, in place.
                RowNormalization.CausalSoftmaxBackwardRows(weights, head * t * t, scratch, head * t * t, t, scale, scratch, head * t * t);
                // S = q kᵀ: dQ = dS k, dK = dSᵀ q.
                GemmKernel.Multiply<T>(false, false, t, l.Dk, t, ds, t, l.Rows(k, kOffset, head, l.Dk, l.KeyStride), l.KeyStride, l.Rows(dq, dqOffset, head, l.Dk, l.KeyStride), l.KeyStride, maxThreads: 1);
                GemmKernel.Multiply<T>(true, false, t, l.Dk, t, ds, t, l.Rows(q, qOffset, head, l.Dk, l.KeyStride), l.KeyStride, l.Rows(dk, dkOffset, head, l.Dk, l.KeyStride), l.KeyStride, maxThreads: 1);
            }
        }
    }
}
