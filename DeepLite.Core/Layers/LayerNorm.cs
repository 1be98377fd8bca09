using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// Layer normalization (PyTorch's <c>nn.LayerNorm(normalized_shape, eps, elementwise_affine, bias)</c>): each sample is
/// normalized over its last dimensions, those of <see cref="NormalizedShape"/>, to zero mean and unit variance (biased),
/// then scaled by <c>weight</c> (ones) and shifted by <c>bias</c> (zeros), both of the normalized shape. The statistics are
/// the sample's own in training and evaluation alike (no running statistics).
/// </summary>
public sealed class LayerNorm<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer over the last dimension of size <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int normalizedShape, double epsilon = 1e-5, bool elementwiseAffine = true, bool bias = true)
        : this([normalizedShape], epsilon, elementwiseAffine, bias) { }

    /// <summary>Creates the layer over the last dimensions, of sizes <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int[] normalizedShape, double epsilon = 1e-5, bool elementwiseAffine = true, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(d => d < 1))
            throw new ArgumentException($"LayerNorm: the normalized shape {Shape.Format(normalizedShape)} must be one or more positive sizes.");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"LayerNorm: epsilon must be positive, got {epsilon}.");
        NormalizedShape = (int[])normalizedShape.Clone(); Epsilon = epsilon;
        if (elementwiseAffine)
        {
            var ones = Tensor<T>.Unpooled(new Shape(normalizedShape));
            ones.Span.Fill(T.One);
            Weight = RegisterParameter("weight", ones);
            if (bias) Bias = RegisterParameter("bias", Tensor<T>.Unpooled(new Shape(normalizedShape)));
        }
    }

    /// <summary>The sizes of the normalized (last) dimensions.</summary>
    public IReadOnlyList<int> NormalizedShape { get; }
    /// <summary>Added to the variance under the square root.</summary>
    public double Epsilon { get; }
    /// <summary>The scale (γ), or null without an elementwise affine.</summary>
    public Tensor<T>? Weight { get; }
    /// <summary>The shift (β), or null.</summary>
    public Tensor<T>? Bias { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.LayerNorm([.. NormalizedShape], Weight, Bias, Epsilon);

    /// <inheritdoc/>
    protected override string Describe() =>
        $"LayerNorm({string.Join("x", NormalizedShape)}, eps: {Epsilon}{(Weight is null ? ", no affine" : Bias is null ? ", no bias" : "")})";
}
