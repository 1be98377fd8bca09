using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>The Euclidean norm of all parameters' gradients taken together.</summary>
public static class GradientNorm
{
    /// <summary>sqrt(sum of squared gradient entries over <paramref name="parameters"/>); parameters without a gradient count as zero.</summary>
    public static double Of<T>(IEnumerable<Tensor<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T> =>
        Optimizers.GradientClipping.TotalNorm(parameters);
}
