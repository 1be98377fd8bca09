using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Scaled dot-product attention. The scores are one batched GEMM against the keys read transposed in place (no copy of
// Kᵀ); with the causal mask, the mask, the scale and the softmax are one fused pass over the scores.
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

    /// <summary>softmax(s · x) over the last axis with the causal mask of the last two dimensions (masked entries 0).</summary>
    private Tensor<T> CausalSoftmax(T s)
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
