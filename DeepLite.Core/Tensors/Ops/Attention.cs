using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Scaled dot-product attention. The scores are one batched GEMM against the keys read transposed in place (no copy of
// Kᵀ); with the causal mask, the mask, the scale and the softmax are one fused pass over the scores. Causal self-attention
// without dropout is one op, CausalAttention, whose kernel runs each head's products and softmax together.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Scaled dot-product attention (PyTorch's <c>F.scaled_dot_product_attention(q, k, v, attn_mask, is_causal, scale)</c>)
    /// with this tensor as the queries [..., L, E], <paramref name="key"/> [..., S, E] and <paramref name="value"/> [..., S, Ev]:
    /// softmax(q kᵀ · scale + mask) v, scale 1/√E by default. With <paramref name="isCausal"/>, query i attends to keys
    /// 0..i (PyTorch's ones(L, S).tril()); a boolean <paramref name="mask"/> (broadcast to [..., L, S]) is true where a
    /// query may attend, as PyTorch's boolean attn_mask. A query that may attend to nothing gives NaN, as in PyTorch.
    /// With <paramref name="dropout"/> (PyTorch's dropout_p) the attention weights are dropped with masks drawn from <paramref name="random"/>.
    /// </summary>
    public Tensor<T> ScaledDotProductAttention(Tensor<T> key, Tensor<T> value, BoolTensor? mask = null, bool isCausal = false, double? scale = null,
        double dropout = 0, SeededRandom? random = null)
    {
        ArgumentNullException.ThrowIfNull(key); ArgumentNullException.ThrowIfNull(value);
        if (Rank < 2 || key.Rank < 2 || value.Rank < 2 || Shape[-1] != key.Shape[-1] || key.Shape[-2] != value.Shape[-2])
            throw new ArgumentException($"ScaledDotProductAttention: queries {Shape}, keys {key.Shape} and values {value.Shape} should be [..., L, E], [..., S, E] and [..., S, Ev].");
        if (mask is not null && isCausal) throw new ArgumentException("ScaledDotProductAttention: give a mask or isCausal, not both (as PyTorch).");
        T s = T.CreateChecked(scale ?? 1 / Math.Sqrt(Shape[-1]));
        if (isCausal && dropout == 0 && Shape[-2] == key.Shape[-2] && Rank == key.Rank && Rank == value.Rank
            && Shape.Dims[..^2].SequenceEqual(key.Shape.Dims[..^2]) && Shape.Dims[..^2].SequenceEqual(value.Shape.Dims[..^2]))
        {
            // Self-attention's square causal case as one head per leading index: the fused op, with these bits.
            int t = Shape[-2], sequences = Shape.Product(0, Rank - 2);
            return Reshape(sequences, t, Shape[-1]).CausalAttention(key.Reshape(sequences, t, key.Shape[-1]), value.Reshape(sequences, t, value.Shape[-1]), 1, s)
                .Reshape(value.Shape.ToArray());
        }
        var scores = MatMul(key, transposeB: true);
        Tensor<T> weights;
        if (isCausal) weights = scores.CausalSoftmax(s);
        else
        {
            scores = scores.MultiplyScalar(s);
            if (mask is not null) scores = scores.MaskedFill(mask.Not(), T.NegativeInfinity);
            weights = scores.Softmax();
        }
        if (dropout > 0)
        {
            if (random is null) throw new ArgumentException("ScaledDotProductAttention: a dropout needs a SeededRandom for its masks.");
            weights = weights.Dropout(dropout, random);
        }
        return weights.MatMul(value);
    }

    /// <summary>
    /// Causal multi-head self-attention over rows of heads: this tensor the queries [B, T, H·dk], <paramref name="key"/>
    /// [B, T, H·dk] and <paramref name="value"/> [B, T, H·dv], head h of a row its h-th block of values. The same as PyTorch's
    /// <c>F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)</c> on <c>x.view(B, T, H, d).transpose(1, 2)</c> of
    /// each, transposed back to [B, T, H·dv], in one op: no head is copied, and a head's weights stay in cache from its scores
    /// to its output (<see cref="Kernels.CausalAttention"/>). Every value has the bits of the separate ops (MatMul, the causal
    /// softmax, MatMul), forward and backward; a double backward runs through those ops, recorded.
    /// </summary>
    internal Tensor<T> CausalAttention(Tensor<T> key, Tensor<T> value, int heads, T scale)
    {
        ArgumentNullException.ThrowIfNull(key); ArgumentNullException.ThrowIfNull(value);
        if (Rank != 3 || key.Rank != 3 || value.Rank != 3 || heads <= 0 || !key.Shape.Equals(Shape) || value.Shape[0] != Shape[0]
            || value.Shape[1] != Shape[1] || Shape[2] % heads != 0 || value.Shape[2] % heads != 0)
            throw new ArgumentException($"CausalAttention: queries {Shape} and keys {key.Shape} should be [B, T, H·dk] and values {value.Shape} [B, T, H·dv] with {heads} heads.");
        var layout = AttentionLayout.Separate(Shape[0], Shape[1], heads, Shape[2] / heads, value.Shape[2] / heads);
        var (y, weights) = AttentionForward(this, Offset, key, key.Offset, value, value.Offset, layout, scale);
        return Recording(this, key, value) ? Backward(y, this, key, value, weights, layout, scale) : y;

        static Tensor<T> Backward(Tensor<T> y, Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> weights, AttentionLayout layout, T s) =>
            Record(y, "CausalAttention", [q, k, v], g => GradMode.IsEnabled ? AttentionGradientRecorded(q, k, v, g, layout.Heads, s) : Fused(q, k, v, weights, g, layout, s),
                new CausalAttentionAttributes(layout.Heads, double.CreateChecked(s)));

        static Tensor<T>?[] Fused(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> weights, Tensor<T> g, AttentionLayout layout, T s)
        {
            var (dq, dk, dv, scratch) = (Uninitialized(q.Shape), Uninitialized(k.Shape), Uninitialized(v.Shape), Uninitialized(weights.Shape));
            Kernels.CausalAttention.Backward(q.Buffer, q.Offset, k.Buffer, k.Offset, v.Buffer, v.Offset, weights.Buffer, g.Buffer, g.Offset,
                layout, s, scratch.Buffer, dq.Buffer, 0, dk.Buffer, 0, dv.Buffer, 0);
            return [q.RequiresGrad ? dq : null, k.RequiresGrad ? dk : null, v.RequiresGrad ? dv : null];
        }
    }

    /// <summary>
    /// <see cref="CausalAttention(Tensor{T}, Tensor{T}, int, T)"/> of the q, k and v blocks of this [B, T, 3C] tensor (C = H·d):
    /// nanoGPT's <c>q, k, v = self.c_attn(x).split(n_embd, dim=2)</c> then its attention, read where the joint projection
    /// left them. Its gradient is one [B, T, 3C] tensor, so the projection's backward is one product of each kind.
    /// </summary>
    internal Tensor<T> CausalAttention(int heads, T scale)
    {
        if (Rank != 3 || heads <= 0 || Shape[2] % (3 * heads) != 0)
            throw new ArgumentException($"CausalAttention: a joint projection {Shape} should be [B, T, 3·H·d] with {heads} heads.");
        int c = Shape[2] / 3;
        var layout = new AttentionLayout(Shape[0], Shape[1], heads, c / heads, c / heads, 3 * c, 3 * c);
        var (y, weights) = AttentionForward(this, Offset, this, Offset + c, this, Offset + 2 * c, layout, scale);
        return Recording(this) ? Backward(y, this, weights, layout, scale) : y;

        static Tensor<T> Backward(Tensor<T> y, Tensor<T> qkv, Tensor<T> weights, AttentionLayout layout, T s) =>
            Record(y, "CausalAttention", [qkv], g => [GradMode.IsEnabled ? Recorded(qkv, g, layout, s) : Fused(qkv, weights, g, layout, s)],
                new CausalAttentionAttributes(layout.Heads, double.CreateChecked(s)));

        // The three blocks' gradients written into one tensor, each head's where its values lie.
        static Tensor<T> Fused(Tensor<T> qkv, Tensor<T> weights, Tensor<T> g, AttentionLayout layout, T s)
        {
            int c = layout.Heads * layout.Dk;
            var (dqkv, scratch) = (Uninitialized(qkv.Shape), Uninitialized(weights.Shape));
            Kernels.CausalAttention.Backward(qkv.Buffer, qkv.Offset, qkv.Buffer, qkv.Offset + c, qkv.Buffer, qkv.Offset + 2 * c, weights.Buffer, g.Buffer, g.Offset,
                layout, s, scratch.Buffer, dqkv.Buffer, 0, dqkv.Buffer, c, dqkv.Buffer, 2 * c);
            return dqkv;
        }

        static Tensor<T> Recorded(Tensor<T> qkv, Tensor<T> g, AttentionLayout layout, T s)
        {
            int c = layout.Heads * layout.Dk;
            var parts = AttentionGradientRecorded(qkv.Narrow(2, 0, c), qkv.Narrow(2, c, c), qkv.Narrow(2, 2 * c, c), g, layout.Heads, s);
            return Concat([parts[0]!, parts[1]!, parts[2]!], 2);
        }
    }

    /// <summary>The fused forward: y [B, T, H·dv] and the heads' weights [B, H, T, T] kept for the backward.</summary>
    private static (Tensor<T> Y, Tensor<T> Weights) AttentionForward(Tensor<T> q, int qOffset, Tensor<T> k, int kOffset, Tensor<T> v, int vOffset,
        AttentionLayout layout, T scale)
    {
        var weights = Uninitialized(Shape.Own([layout.Batch, layout.Heads, layout.T, layout.T]));
        var y = Uninitialized(Shape.Own([layout.Batch, layout.T, layout.OutputStride]));
        Kernels.CausalAttention.Forward(q.Buffer, qOffset, k.Buffer, kOffset, v.Buffer, vOffset, layout, scale, weights.Buffer, y.Buffer);
        return (y, weights);
    }

    /// <summary>
    /// CausalAttention's gradient for q, k and v ([B, T, H·d] each) from recorded ops on [B, H, T, d] views, so that it can be
    /// differentiated again: P = causal softmax(s · q kᵀ), dP = g vᵀ, dS = s · P ∘ (dP - Σ dP P), dQ = dS k, dK = dSᵀ q, dV = Pᵀ g.
    /// </summary>
    private static Tensor<T>?[] AttentionGradientRecorded(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> g, int heads, T s)
    {
        int b = q.Shape[0], t = q.Shape[1], dk = q.Shape[2] / heads, dv = v.Shape[2] / heads;
        Tensor<T> Split(Tensor<T> x, int d) => x.Reshape(b, t, heads, d).Permute(0, 2, 1, 3);
        Tensor<T> Join(Tensor<T> x, int d) => x.Permute(0, 2, 1, 3).Reshape(b, t, heads * d);
        var (qh, kh, vh, gh) = (Split(q, dk), Split(k, dk), Split(v, dv), Split(g, dv));
        var p = qh.MatMul(kh, transposeB: true).CausalSoftmax(s);
        var dp = gh.MatMul(vh, transposeB: true);
        var ds = p * (dp - (dp * p).Sum(-1, keepDims: true)) * s;
        return [Join(ds.MatMul(kh), dk), Join(ds.MatMul(qh, transposeA: true), dk), Join(p.MatMul(gh, transposeA: true), dv)];
    }

    /// <summary>softmax(s · x) over the last axis with the causal mask of the last two dimensions (masked entries 0).</summary>
    internal Tensor<T> CausalSoftmax(T s)
    {
        int t = Shape[-2], cols = Shape[-1];
        var y = Uninitialized(Shape);
        if (Size > 0) RowNormalization.CausalSoftmax(Buffer, Offset, Size / cols, t, cols, s, y.Buffer);
        return Recording(this) ? Backward(y, this, s) : y;
        // Softmax's backward, y (g - Σ g y), times the scale; masked entries have y = 0, so their gradient is 0. Recorded
        // ops for a double backward, else one fused pass per row.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T s) => Record(y, "CausalSoftmax", [x],
            g => [GradMode.IsEnabled ? y * (g - (g * y).Sum(-1, keepDims: true)) * s : y.CausalSoftmaxBackward(g, s)], new ScalarAttributes(double.CreateChecked(s)));
    }

    /// <summary>The first-order input gradient of <see cref="CausalSoftmax"/> from its output (this tensor), in one fused pass (not recorded).</summary>
    private Tensor<T> CausalSoftmaxBackward(Tensor<T> g, T s)
    {
        var dx = Uninitialized(Shape);
        if (Size > 0) RowNormalization.CausalSoftmaxBackward(Buffer, Offset, g.Buffer, g.Offset, Size / Shape[-1], Shape[-1], s, dx.Buffer);
        return dx;
    }
}
