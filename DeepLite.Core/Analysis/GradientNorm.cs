using System.Numerics;
using DeepLite.Kernels;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>The Euclidean norm of all parameters' gradients taken together.</summary>
public static class GradientNorm
{
    /// <summary>sqrt(sum of squared gradient entries over <paramref name="parameters"/>); parameters without a gradient count as zero.</summary>
    public static double Of<T>(IEnumerable<Tensor<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double sum = 0;
        foreach (var p in parameters)
            if (p.Grad is { } g) sum += double.CreateChecked(Elementwise.Dot<T>(g.Span, g.Span));
        return Math.Sqrt(sum);
    }
}
