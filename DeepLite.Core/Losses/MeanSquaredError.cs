using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Losses;

/// <summary>Fused loss functions: one forward pass, a closed-form backward.</summary>
public static partial class Loss
{
    /// <summary>
    /// Mean squared error, sum((prediction - target)^2) / count (or the plain sum). Shapes must match.
    /// </summary>
    public static Tensor<T> MeanSquaredError<T>(Tensor<T> prediction, Tensor<T> target, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (prediction.Shape != target.Shape)
            throw new ArgumentException($"MeanSquaredError: prediction shape {prediction.Shape} differs from target shape {target.Shape}.");
        var p = prediction.Span; var t = target.Span;
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++) { T d = p[i] - t[i]; sum += d * d; }
        T scale = reduction == Reduction.Mean ? T.One / T.CreateChecked(Math.Max(1, p.Length)) : T.One;
        var loss = Tensor<T>.Scalar(sum * scale);
        T two = T.CreateChecked(2) * scale;
        return Tensor<T>.Recording(prediction, target) ? Backward(loss, prediction, target, two) : loss;

        static Tensor<T> Backward(Tensor<T> loss, Tensor<T> prediction, Tensor<T> target, T two) =>
            Tensor<T>.Record(loss, "MeanSquaredError", [prediction, target], g =>
            {
                // d/dprediction = 2 (prediction - target) * scale * g; recomputed from the operands with recorded
                // ops when the backward is itself differentiated, in one pass otherwise.
                var grad = GradMode.IsEnabled ? (prediction - target) * (g * two) : Residual(prediction, target, g.Item() * two);
                return [prediction.RequiresGrad ? grad : null, target.RequiresGrad ? -grad : null];
            });
    }

    /// <summary>factor * (prediction - target), one pass, outside autograd.</summary>
    private static Tensor<T> Residual<T>(Tensor<T> prediction, Tensor<T> target, T factor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new Tensor<T>(prediction.Shape);
        Span<T> p = prediction.Span, t = target.Span, r = result.Span;
        for (int i = 0; i < r.Length; i++) r[i] = (p[i] - t[i]) * factor;
        return result;
    }
}
