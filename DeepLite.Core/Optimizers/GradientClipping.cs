using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Kernels;
using DeepLite.Tensors;
using System.Runtime.CompilerServices;

namespace DeepLite.Optimizers;

/// <summary>Gradient clipping, as PyTorch's <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
public static class GradientClipping
{
    /// <summary>sqrt(sum of squared gradient entries over <paramref name="parameters"/>); parameters without a gradient count as zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double TotalNorm<T>(IEnumerable<Tensor<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sum = 0;
        foreach (var p in parameters)
            if (p.Grad is { } g) sum += double.CreateChecked(Elementwise.Dot<T>(g.Span, g.Span));
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales every gradient of <paramref name="parameters"/> in place by maxNorm / (total norm + 1e-6) whenever that factor
    /// is below 1, PyTorch's rule: so also when the total norm (all gradients taken as one vector) equals
    /// <paramref name="maxNorm"/> (or is within 1e-6 below it), where the factor is maxNorm / (maxNorm + 1e-6); returns the total
    /// norm before clipping. Call it between <c>Backward</c> and the optimizer's <c>Step</c>. A non-finite norm
    /// (a NaN or infinite gradient) throws <see cref="NonFiniteException"/> instead of scaling every gradient to NaN
    /// (PyTorch's <c>error_if_nonfinite=True</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ClipByNorm<T>(IEnumerable<Tensor<T>> parameters, double maxNorm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"ClipByNorm: the largest norm must be positive and finite, got {maxNorm}.");
        var withGradients = parameters.Where(p => p.Grad is not null).ToList();
        double total = TotalNorm(withGradients);
        if (!double.IsFinite(total))
            throw new NonFiniteException($"ClipByNorm: the gradients' total norm is {total}: a gradient holds a NaN or an infinity. AnomalyMode.Enable() around the step names the op that made it.");
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
        {
            var scale = T.CreateChecked(coefficient);
            foreach (var p in withGradients)
            {
                var g = p.Grad!.Span;
                Elementwise.Map<T, MultiplyOperator<T>>(g, scale, g);
            }
        }
        return total;
    }

    /// <summary>
    /// Limits every gradient element of <paramref name="parameters"/> to [-clipValue, clipValue] in place (PyTorch's
    /// <c>clip_grad_value_</c>); a NaN stays NaN. Call it between <c>Backward</c> and the optimizer's <c>Step</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ClipByValue<T>(IEnumerable<Tensor<T>> parameters, double clipValue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0) || double.IsInfinity(clipValue))
            throw new ArgumentOutOfRangeException(nameof(clipValue), $"ClipByValue: the bound must be non-negative and finite, got {clipValue}.");
        T hi = T.CreateChecked(clipValue), lo = -hi;
        foreach (var p in parameters)
        {
            if (p.Grad is not { } grad) continue;
            var g = grad.Span;
            Elementwise.Map<T, MaximumOperator<T>>(g, lo, g);
            Elementwise.Map<T, MinimumOperator<T>>(g, hi, g);
        }
    }
}
