using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// The student report's "minimal ratio": the share of random nearby parameter vectors whose loss is
/// higher than at the current point. A different (and noisier) quantity than
/// <see cref="HessianSpectrum.MinimalRatio"/>, the course's definition; kept under its own name.
/// </summary>
public static class SampledMinimalRatio
{
    /// <summary>
    /// Perturbs every parameter entry by uniform(-radius, radius), <paramref name="samples"/> times, and
    /// returns the share of perturbations that raised <paramref name="loss"/>. Parameters are restored.
    /// </summary>
    public static double Estimate<T>(IReadOnlyList<Tensor<T>> parameters, Func<double> loss, int samples, double radius, SeededRandom random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (samples <= 0) throw new ArgumentOutOfRangeException(nameof(samples), $"Need a positive number of samples, got {samples}.");
        using var _ = GradMode.Disable();
        var saved = parameters.Select(p => p.ToArray()).ToArray();
        double center = loss();
        int higher = 0;
        try
        {
            for (int s = 0; s < samples; s++)
            {
                for (int t = 0; t < parameters.Count; t++)
                {
                    var span = parameters[t].Span;
                    for (int i = 0; i < span.Length; i++) span[i] = saved[t][i] + T.CreateChecked(random.Uniform(-radius, radius));
                }
                if (loss() > center) higher++;
            }
        }
        finally
        {
            for (int t = 0; t < parameters.Count; t++) saved[t].CopyTo(parameters[t].Span);
        }
        return higher / (double)samples;
    }
}
