using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// The largest eigenvalues of a Hessian and their eigenvectors, from Hessian-vector products alone: Lanczos with full
/// reorthogonalization (<see cref="Compute{T}"/>), PyHessian's <c>hessian.eigenvalues(top_n=k)</c> for models whose
/// Hessian does not fit in memory (PyHessian uses power iteration with deflation; Lanczos reaches the same pairs in
/// fewer products). <see cref="Residuals"/> bound each pair's error: ‖H v − λ v‖ ≤ the residual, and λ is within it of
/// an eigenvalue of H.
/// </summary>
public sealed class HessianEigenvalues
{
    private HessianEigenvalues(double[] eigenvalues, double[][] eigenvectors, double[] residuals, int iterations, long products) =>
        (Eigenvalues, Eigenvectors, Residuals, Iterations, Products) = (eigenvalues, eigenvectors, residuals, iterations, products);

    /// <summary>The k largest (algebraic) eigenvalues, descending.</summary>
    public double[] Eigenvalues { get; }
    /// <summary>Their unit eigenvectors, flat in the parameters' order.</summary>
    public double[][] Eigenvectors { get; }
    /// <summary>‖H v − λ v‖ of each pair (the Lanczos bound β_m |s_m|).</summary>
    public double[] Residuals { get; }
    /// <summary>Lanczos steps taken.</summary>
    public int Iterations { get; }
    /// <summary>Hessian-vector products over the whole data set (passes) that took.</summary>
    public long Products { get; }

    /// <summary>
    /// The <paramref name="k"/> largest eigenvalues of <paramref name="hessian"/> and their eigenvectors. Lanczos steps
    /// until each of the k Ritz values' residual is at most <paramref name="tolerance"/> × |λ₁| (λ₁ the largest in
    /// magnitude), or <paramref name="maxIterations"/> steps, or the whole space; the start vector is drawn from
    /// <paramref name="random"/>.
    /// </summary>
    /// <exception cref="ArgumentException">k not between 1 and the dimension, or fewer iterations than k.</exception>
    public static HessianEigenvalues Compute<T>(HessianOperator<T> hessian, int k, SeededRandom random, int maxIterations = 100, double tolerance = 1e-8)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(hessian);
        ArgumentNullException.ThrowIfNull(random);
        if (k < 1 || k > hessian.Dimension) throw new ArgumentException($"HessianEigenvalues: k = {k} must be between 1 and the {hessian.Dimension} parameters.", nameof(k));
        if (maxIterations < k) throw new ArgumentException($"HessianEigenvalues: {maxIterations} iterations cannot give {k} eigenvalues.", nameof(maxIterations));
        if (!(tolerance >= 0)) throw new ArgumentException($"HessianEigenvalues: the tolerance must be 0 or more, got {tolerance}.", nameof(tolerance));
        long before = hessian.Passes;
        var start = new double[hessian.Dimension];
        for (int i = 0; i < start.Length; i++) start[i] = random.Normal();
        var lanczos = new Lanczos(v => hessian.Apply(v), start);
        while (lanczos.Steps < Math.Min(maxIterations, hessian.Dimension) && lanczos.Step(random))
        {
            if (lanczos.Steps < k) continue;
            var (values, _, residuals) = lanczos.Ritz();
            double scale = values.Max(Math.Abs);
            if (Enumerable.Range(values.Length - k, k).All(i => residuals[i] <= tolerance * Math.Max(scale, double.Epsilon))) break;
        }
        var (ritz, vectors, bounds) = lanczos.Ritz();
        int m = ritz.Length;
        int[] top = [.. Enumerable.Range(0, Math.Min(k, m)).Select(j => m - 1 - j)];
        return new HessianEigenvalues([.. top.Select(i => ritz[i])], [.. top.Select(i => lanczos.RitzVector(vectors, i))], [.. top.Select(i => bounds[i])],
            lanczos.Steps, hessian.Passes - before);
    }
}
