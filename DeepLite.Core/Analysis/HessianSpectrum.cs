using MathNet.Numerics.LinearAlgebra;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// The full Hessian of a scalar with respect to a small set of parameters (up to a few thousand), in
/// float64, built one exact Hessian-vector product per column and symmetrized, and its eigenvalues.
/// </summary>
public sealed class HessianSpectrum
{
    private HessianSpectrum(double[,] hessian, double[] eigenvalues)
    {
        Hessian = hessian; Eigenvalues = eigenvalues;
    }

    /// <summary>The symmetrized Hessian, (H + Hᵀ)/2, parameters in the given order, flattened.</summary>
    public double[,] Hessian { get; }

    /// <summary>The eigenvalues, ascending.</summary>
    public double[] Eigenvalues { get; }

    /// <summary>Builds the Hessian of <paramref name="loss"/> (computed with recording on) with respect to <paramref name="parameters"/>.</summary>
    public static HessianSpectrum Compute(Tensor<double> loss, IReadOnlyList<Tensor<double>> parameters)
    {
        int n = parameters.Sum(p => p.Size);
        if (n > 10_000) throw new ArgumentException($"HessianSpectrum: {n} parameters would need a {n} x {n} matrix; it is meant for small models.");
        var hvp = new HessianVectorProduct<double>(loss, parameters);
        var h = new double[n, n];
        var basis = parameters.Select(p => new Tensor<double>(p.Shape, new double[p.Size])).ToArray();
        int column = 0;
        for (int t = 0; t < parameters.Count; t++)
            for (int i = 0; i < parameters[t].Size; i++, column++)
            {
                basis[t].Span[i] = 1;
                var product = hvp.Apply(basis);
                basis[t].Span[i] = 0;
                int row = 0;
                foreach (var part in product)
                    foreach (var v in part.Span) h[row++, column] = v;
            }
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
            {
                double s = 0.5 * (h[a, b] + h[b, a]);
                h[a, b] = s; h[b, a] = s;
            }
        var eigenvalues = Matrix<double>.Build.DenseOfArray(h).Evd(Symmetricity.Symmetric).EigenValues.Select(c => c.Real).Order().ToArray();
        return new HessianSpectrum(h, eigenvalues);
    }

    /// <summary>
    /// The minimal ratio of the course's definition: the share of eigenvalues above <paramref name="tolerance"/>
    /// (1 at a strict local minimum, lower at saddle points and flat directions).
    /// </summary>
    public double MinimalRatio(double tolerance = 1e-6) => Eigenvalues.Count(e => e > tolerance) / (double)Eigenvalues.Length;
}
