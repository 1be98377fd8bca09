using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// The full Hessian of a scalar with respect to a small set of parameters (up to a few thousand), built one exact
/// Hessian-vector product per column (in the parameters' type), symmetrized and held in float64, and its
/// eigendecomposition (PyTorch: <c>torch.autograd.functional.hessian</c> then <c>torch.linalg.eigh</c>).
/// </summary>
public sealed class HessianSpectrum
{
    private HessianSpectrum(double[,] hessian, double[] eigenvalues, double[,] eigenvectors)
    {
        Hessian = hessian; Eigenvalues = eigenvalues; Eigenvectors = eigenvectors;
    }

    /// <summary>The symmetrized Hessian, (H + Hᵀ)/2, parameters in the given order, flattened.</summary>
    public double[,] Hessian { get; }

    /// <summary>The eigenvalues, ascending.</summary>
    public double[] Eigenvalues { get; }

    /// <summary>The unit eigenvectors: column i belongs to <see cref="Eigenvalues"/>[i] (rows in the flattened parameter order).</summary>
    public double[,] Eigenvectors { get; }

    /// <summary>
    /// Builds the Hessian of <paramref name="loss"/> (computed with recording on) with respect to <paramref name="parameters"/>.
    /// The loss's graph is kept: a <c>Backward</c> through it afterwards still works.
    /// </summary>
    public static HessianSpectrum Compute<T>(Tensor<T> loss, IReadOnlyList<Tensor<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = parameters.Sum(p => p.Size);
        if (n > 10_000) throw new ArgumentException($"HessianSpectrum: {n} parameters would need a {n} x {n} matrix; it is meant for small models.");
        var hvp = new HessianVectorProduct<T>(loss, parameters);
        var h = new double[n, n];
        var basis = new T[n];
        for (int column = 0; column < n; column++)
        {
            basis[column] = T.One;
            var product = hvp.Apply(basis);
            basis[column] = T.Zero;
            for (int row = 0; row < n; row++) h[row, column] = double.CreateChecked(product[row]);
        }
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
            {
                double s = 0.5 * (h[a, b] + h[b, a]);
                h[a, b] = s; h[b, a] = s;
            }
        var evd = Matrix<double>.Build.DenseOfArray(h).Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        var vectors = new double[n, n];
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++) vectors[i, j] = evd.EigenVectors[i, order[j]];
        return new HessianSpectrum(h, order.Select(i => evd.EigenValues[i].Real).ToArray(), vectors);
    }

    /// <summary>
    /// The minimal ratio of the course's definition: the share of eigenvalues above <paramref name="tolerance"/>
    /// (1 at a strict local minimum, lower at saddle points and flat directions).
    /// </summary>
    public double MinimalRatio(double tolerance = 1e-6) => Eigenvalues.Count(e => e > tolerance) / (double)Eigenvalues.Length;
}
