using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// Sharpness at θ (Keskar et al. 2017): the largest loss within the box |θ' - θ| ≤ ε(|θ| + 1), entry by entry,
/// minus the loss at θ; Keskar's normalized form divides by 1 + loss and multiplies by 100.
/// </summary>
public static class Sharpness
{
    /// <summary>The estimate and how it was found.</summary>
    public sealed record Result(double Loss, double MaxLoss, double Sharpness, double Normalized);

    /// <summary>
    /// Estimates the box maximum by <paramref name="samples"/> random points and by <paramref name="ascentSteps"/>
    /// steps of projected sign-gradient ascent (the better of the two counts). <paramref name="loss"/> must
    /// compute the loss with recording on (the ascent differentiates it). Parameters are restored.
    /// </summary>
    public static Result Estimate<T>(IReadOnlyList<Tensor<T>> parameters, Func<Tensor<T>> loss, double epsilon, int samples, int ascentSteps, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var saved = parameters.Select(p => p.ToArray()).ToArray();
        double Evaluate() { using (GradMode.Disable()) return double.CreateChecked(loss().Item()); }
        double center = Evaluate(), best = center;
        try
        {
            for (int s = 0; s < samples; s++)
            {
                for (int t = 0; t < parameters.Count; t++)
                {
                    var span = parameters[t].Span;
                    for (int i = 0; i < span.Length; i++)
                    {
                        double radius = epsilon * (Math.Abs(double.CreateChecked(saved[t][i])) + 1);
                        span[i] = saved[t][i] + T.CreateChecked(random.Uniform(-radius, radius));
                    }
                }
                best = Math.Max(best, Evaluate());
            }
            Restore(parameters, saved);
            for (int step = 0; step < ascentSteps; step++)
            {
                var grads = AutoDiff.Grad(loss(), parameters);
                for (int t = 0; t < parameters.Count; t++)
                {
                    var span = parameters[t].Span; var g = grads[t].Span;
                    for (int i = 0; i < span.Length; i++)
                    {
                        double radius = epsilon * (Math.Abs(double.CreateChecked(saved[t][i])) + 1);
                        double moved = double.CreateChecked(span[i]) + radius / 2 * Math.Sign(double.CreateChecked(g[i]));
                        double origin = double.CreateChecked(saved[t][i]);
                        span[i] = T.CreateChecked(Math.Clamp(moved, origin - radius, origin + radius));
                    }
                }
                best = Math.Max(best, Evaluate());
            }
        }
        finally
        {
            Restore(parameters, saved);
        }
        return new Result(center, best, best - center, 100 * (best - center) / (1 + center));
    }

    private static void Restore<T>(IReadOnlyList<Tensor<T>> parameters, T[][] saved) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int t = 0; t < parameters.Count; t++) saved[t].CopyTo(parameters[t].Span);
    }
}
