using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// A Hessian's eigenvalue density by stochastic Lanczos quadrature (Ghorbani et al. 2019; PyHessian's
/// <c>hessian.density()</c>): each run starts Lanczos from a random unit vector v and takes T's eigenvalues θᵢ as nodes
/// and the squares of its eigenvectors' first components as weights wᵢ (Σ wᵢ = 1), a Gauss quadrature of
/// vᵀ f(H) v ≈ (1/n) tr f(H); the density is the runs' mean of Σ wᵢ N(x; θᵢ, σ²), which integrates to 1.
/// </summary>
public sealed class SpectralDensity
{
    private SpectralDensity(double[][] nodes, double[][] weights, long products) => (Nodes, Weights, Products) = (nodes, weights, products);

    /// <summary>Each run's nodes θᵢ (T's eigenvalues, ascending).</summary>
    public double[][] Nodes { get; }
    /// <summary>Each run's weights wᵢ, summing to 1.</summary>
    public double[][] Weights { get; }
    /// <summary>Hessian-vector products over the whole data set (passes) it took.</summary>
    public long Products { get; }

    /// <summary>
    /// Runs <paramref name="runs"/> Lanczos quadratures of <paramref name="iterations"/> steps each on
    /// <paramref name="hessian"/> (Rademacher start vectors, as PyHessian, drawn from <paramref name="random"/>).
    /// </summary>
    public static SpectralDensity Estimate<T>(HessianOperator<T> hessian, int iterations, int runs, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(hessian);
        ArgumentNullException.ThrowIfNull(random);
        if (iterations < 1) throw new ArgumentException($"SpectralDensity: {iterations} iterations; at least 1.", nameof(iterations));
        if (runs < 1) throw new ArgumentException($"SpectralDensity: {runs} runs; at least 1.", nameof(runs));
        long before = hessian.Passes;
        var nodes = new double[runs][];
        var weights = new double[runs][];
        for (int r = 0; r < runs; r++)
        {
            var start = new double[hessian.Dimension];
            HessianTrace.Rademacher(start, random);
            var lanczos = new Lanczos(v => hessian.Apply(v), start);
            while (lanczos.Steps < Math.Min(iterations, hessian.Dimension) && lanczos.Step(random)) { }
            var (values, vectors, _) = lanczos.Ritz();
            nodes[r] = values;
            weights[r] = [.. Enumerable.Range(0, values.Length).Select(i => vectors[0, i] * vectors[0, i])];
        }
        return new SpectralDensity(nodes, weights, hessian.Passes - before);
    }

    /// <summary>The smallest and largest node of all runs.</summary>
    public (double Min, double Max) Range => (Nodes.Min(n => n[0]), Nodes.Max(n => n[^1]));

    /// <summary>The density at <paramref name="x"/>, each node broadened by a normal of deviation <paramref name="sigma"/>.</summary>
    public double At(double x, double sigma)
    {
        if (!(sigma > 0)) throw new ArgumentException($"SpectralDensity: σ must be positive, got {sigma}.", nameof(sigma));
        double sum = 0, norm = 1 / (sigma * Math.Sqrt(2 * Math.PI));
        for (int r = 0; r < Nodes.Length; r++)
            for (int i = 0; i < Nodes[r].Length; i++)
            {
                double z = (x - Nodes[r][i]) / sigma;
                sum += Weights[r][i] * norm * Math.Exp(-0.5 * z * z);
            }
        return sum / Nodes.Length;
    }

    /// <summary>
    /// The density on <paramref name="points"/> evenly spaced values from the smallest node − 5σ to the largest + 5σ, with
    /// σ = <paramref name="relativeSigma"/> × the nodes' range (PyHessian's plot uses a grid and a Gaussian of fixed width
    /// in the same way): what a chart draws, on a log y axis.
    /// </summary>
    public (double[] X, double[] Density, double Sigma) OnGrid(int points = 1000, double relativeSigma = 0.01)
    {
        if (points < 2) throw new ArgumentException($"SpectralDensity: {points} grid points; at least 2.", nameof(points));
        var (min, max) = Range;
        double sigma = relativeSigma * Math.Max(max - min, 1e-12 * Math.Max(1, Math.Abs(max)));
        double low = min - 5 * sigma, high = max + 5 * sigma;
        var x = Enumerable.Range(0, points).Select(i => low + (high - low) * i / (points - 1)).ToArray();
        return (x, [.. x.Select(v => At(v, sigma))], sigma);
    }
}
