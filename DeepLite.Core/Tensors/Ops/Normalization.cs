using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Layer normalization: a fused kernel normalizes each row, the affine part is broadcast ops.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Layer normalization (PyTorch's <c>F.layer_norm(x, normalized_shape, weight, bias, eps)</c>): over the last
    /// dimensions, those of <paramref name="normalizedShape"/>, y = (x - mean) / √(var + eps) · weight + bias, the
    /// variance biased (divided by n); <paramref name="weight"/> and <paramref name="bias"/> (of
    /// <paramref name="normalizedShape"/>) may each be left out.
    /// </summary>
    public Tensor<T> LayerNorm(int[] normalizedShape, Tensor<T>? weight = null, Tensor<T>? bias = null, double epsilon = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0 || k > Rank || !Shape.Dims[^k..].SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: the normalized shape {Shape.Format(normalizedShape)} must be the last dimensions of the input's shape {Shape}.");
        if (weight is not null && weight.Shape != new Shape(normalizedShape))
            throw new ArgumentException($"LayerNorm: the weight of shape {weight.Shape} should be {Shape.Format(normalizedShape)}.");
        if (bias is not null && bias.Shape != new Shape(normalizedShape))
            throw new ArgumentException($"LayerNorm: the bias of shape {bias.Shape} should be {Shape.Format(normalizedShape)}.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"LayerNorm: epsilon must be positive, got {epsilon}.");
        var y = Normalize(new Shape(normalizedShape).Size, T.CreateChecked(epsilon));
        if (weight is not null) y *= weight;
        if (bias is not null) y += bias;
        return y;
    }

    /// <summary>Each row of <paramref name="cols"/> elements to zero mean and unit (biased) variance.</summary>
    private Tensor<T> Normalize(int cols, T eps)
    {
        if (cols == 0) throw new ArgumentException($"LayerNorm over no elements (shape {Shape}).");
        int rows = Size / cols;
        var y = Uninitialized(Shape);
        var rstd = Uninitialized(new Shape(rows));
        if (Size > 0) RowNormalization.LayerNormForward(Buffer, Offset, rows, cols, eps, y.Buffer, rstd.Buffer);
        return Recording(this) ? Backward(y, this, rstd, cols, eps) : y;

        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> rstd, int cols, T eps) => Record(y, "LayerNorm", [x], g =>
        {
            if (!GradMode.IsEnabled) return [g.NormalizeBackward(y, rstd, cols)];
            // Recorded (a double backward): dx = rstd (g - mean(g) - y mean(g y)), with y (recorded) and rstd as ops of x.
            var rows = x.Reshape(-1, cols);
            var r = (rows.Var(1, unbiased: false, keepDims: true) + eps).Rsqrt();
            var gr = g.Reshape(-1, cols); var yr = y.Reshape(-1, cols);
            var dx = r * (gr - gr.Mean(1, keepDims: true) - yr * (gr * yr).Mean(1, keepDims: true));
            return [dx.Reshape(x.Shape)];
        }, new LayerNormAttributes(cols, double.CreateChecked(eps)));
    }

    /// <summary>The first-order input gradient of <see cref="Normalize"/> in one fused pass (not recorded).</summary>
    private Tensor<T> NormalizeBackward(Tensor<T> y, Tensor<T> rstd, int cols)
    {
        var dx = Uninitialized(Shape);
        if (Size > 0) RowNormalization.LayerNormBackward(Buffer, Offset, y.Buffer, rstd.Buffer, Size / cols, cols, dx.Buffer);
        return dx;
    }
}
