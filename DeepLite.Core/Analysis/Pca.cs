using MathNet.Numerics.LinearAlgebra;

namespace DeepLite.Analysis;

/// <summary>
/// Principal component analysis for few samples of many variables (a few hundred parameter snapshots
/// of 100k parameters): the n x n Gram matrix of the centred rows is decomposed instead of the p x p
/// covariance, so the cost is O(n² p), not O(p³). Fit it on all runs' snapshots at once.
/// </summary>
public sealed class Pca
{
    private Pca(double[] mean, double[][] components, double[] explainedVariance, double totalVariance)
    {
        Mean = mean; Components = components; ExplainedVariance = explainedVariance; TotalVariance = totalVariance;
    }

    /// <summary>The mean of each variable (column).</summary>
    public double[] Mean { get; }

    /// <summary>The principal directions, unit length, by decreasing variance; each has one entry per variable.</summary>
    public double[][] Components { get; }

    /// <summary>The variance along each component (sample variance, divided by n - 1).</summary>
    public double[] ExplainedVariance { get; }

    /// <summary>The total variance of the data, for explained-variance ratios.</summary>
    public double TotalVariance { get; }

    /// <summary>Fits <paramref name="componentCount"/> components to <paramref name="rows"/> (samples x variables).</summary>
    public static Pca Fit(IReadOnlyList<double[]> rows, int componentCount)
    {
        int n = rows.Count;
        if (n < 2) throw new ArgumentException($"PCA needs at least two samples, got {n}.");
        int p = rows[0].Length;
        if (rows.Any(r => r.Length != p)) throw new ArgumentException($"PCA: every sample must have {p} variables.");
        if (componentCount < 1 || componentCount > Math.Min(n - 1, p))
            throw new ArgumentOutOfRangeException(nameof(componentCount), $"PCA: {componentCount} components requested from {n} samples of {p} variables (at most {Math.Min(n - 1, p)}).");

        var mean = new double[p];
        foreach (var r in rows) for (int j = 0; j < p; j++) mean[j] += r[j];
        for (int j = 0; j < p; j++) mean[j] /= n;
        var centred = rows.Select(r => r.Select((v, j) => v - mean[j]).ToArray()).ToArray();

        // Gram matrix G = X Xᵀ (n x n); its eigenvectors u give the components Xᵀ u / sqrt(λ).
        var gram = Matrix<double>.Build.Dense(n, n);
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
            {
                double s = 0;
                var ra = centred[a]; var rb = centred[b];
                for (int j = 0; j < p; j++) s += ra[j] * rb[j];
                gram[a, b] = s; gram[b, a] = s;
            }
        var evd = gram.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderByDescending(i => evd.EigenValues[i].Real).ToArray();
        double total = Enumerable.Range(0, n).Sum(i => Math.Max(0, evd.EigenValues[i].Real)) / (n - 1);
        var components = new double[componentCount][];
        var variance = new double[componentCount];
        for (int c = 0; c < componentCount; c++)
        {
            int i = order[c];
            double lambda = Math.Max(0, evd.EigenValues[i].Real);
            var u = evd.EigenVectors.Column(i);
            var direction = new double[p];
            for (int a = 0; a < n; a++)
            {
                double ua = u[a];
                var ra = centred[a];
                for (int j = 0; j < p; j++) direction[j] += ra[j] * ua;
            }
            double norm = Math.Sqrt(direction.Sum(v => v * v));
            if (norm > 0) for (int j = 0; j < p; j++) direction[j] /= norm;
            // A sign convention, so the same data always gives the same picture: largest entry positive.
            int big = 0;
            for (int j = 1; j < p; j++) if (Math.Abs(direction[j]) > Math.Abs(direction[big])) big = j;
            if (direction[big] < 0) for (int j = 0; j < p; j++) direction[j] = -direction[j];
            components[c] = direction;
            variance[c] = lambda / (n - 1);
        }
        return new Pca(mean, components, variance, total);
    }

    /// <summary>The coordinates of <paramref name="row"/> along the components.</summary>
    public double[] Transform(double[] row)
    {
        if (row.Length != Mean.Length) throw new ArgumentException($"PCA: a sample of {row.Length} variables for a fit on {Mean.Length}.");
        var result = new double[Components.Length];
        for (int c = 0; c < Components.Length; c++)
        {
            double s = 0;
            var d = Components[c];
            for (int j = 0; j < row.Length; j++) s += (row[j] - Mean[j]) * d[j];
            result[c] = s;
        }
        return result;
    }
}
