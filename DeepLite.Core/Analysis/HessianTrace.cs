using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// Hutchinson's estimate of a Hessian's trace: tr H = E[vᵀ H v] for v with independent ±1 entries (Rademacher), the mean
/// of <see cref="Samples"/> such products with its standard error (PyHessian's <c>hessian.trace()</c>). The 95 %
/// interval is the mean ± 1.96 standard errors (the samples' mean is near normal for a few tens of samples).
/// </summary>
public sealed class HessianTrace
{
    private HessianTrace(double trace, double standardError, double[] samples, long products) =>
        (Trace, StandardError, Samples, Products) = (trace, standardError, samples, products);

    /// <summary>The estimate: the samples' mean.</summary>
    public double Trace { get; }
    /// <summary>The samples' standard deviation over √samples.</summary>
    public double StandardError { get; }
    /// <summary>The products vᵀ H v.</summary>
    public double[] Samples { get; }
    /// <summary>Hessian-vector products over the whole data set (passes) it took: one per sample.</summary>
    public long Products { get; }

    /// <summary>The 95 % confidence interval of the trace: mean ± 1.96 standard errors.</summary>
    public (double Low, double High) Interval95 => (Trace - 1.96 * StandardError, Trace + 1.96 * StandardError);

    /// <summary>
    /// Estimates the trace of <paramref name="hessian"/> from <paramref name="samples"/> Rademacher vectors drawn from
    /// <paramref name="random"/> (at least 2, for the standard error).
    /// </summary>
    public static HessianTrace Hutchinson<T>(HessianOperator<T> hessian, int samples, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(hessian);
        ArgumentNullException.ThrowIfNull(random);
        if (samples < 2) throw new ArgumentException($"HessianTrace: {samples} samples; the standard error needs at least 2.", nameof(samples));
        long before = hessian.Passes;
        var values = new double[samples];
        var v = new double[hessian.Dimension];
        for (int s = 0; s < samples; s++)
        {
            Rademacher(v, random);
            values[s] = Lanczos.Dot(v, hessian.Apply(v));
            if (!double.IsFinite(values[s])) throw new ArithmeticException($"HessianTrace: sample {s + 1}'s vᵀHv is not finite ({values[s]}).");
        }
        double mean = values.Average();
        double variance = values.Sum(x => (x - mean) * (x - mean)) / (samples - 1);
        return new HessianTrace(mean, Math.Sqrt(variance / samples), values, hessian.Passes - before);
    }

    /// <summary>Fills <paramref name="v"/> with independent ±1, each with probability 1/2.</summary>
    internal static void Rademacher(double[] v, SeededRandom random)
    {
        for (int i = 0; i < v.Length; i += 64)
        {
            ulong bits = random.NextUInt64();
            for (int j = 0; j < 64 && i + j < v.Length; j++) v[i + j] = ((bits >> j) & 1) == 0 ? -1 : 1;
        }
    }
}
