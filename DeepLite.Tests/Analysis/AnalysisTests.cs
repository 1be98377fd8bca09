using DeepLite.Analysis;
using DeepLite.Autograd;
using DeepLite.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace DeepLite.Tests.Analysis;

public class AnalysisTests
{
    [Fact]
    public void PcaRecoversKnownDirectionsAndVariances()
    {
        // Samples along two orthonormal directions in 50-D with standard deviations 3 and 1.
        var r = new SeededRandom(1);
        var d1 = new double[50]; var d2 = new double[50];
        d1[3] = 0.6; d1[7] = 0.8; d2[10] = 1;
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            double a = 3 * r.Normal(), b = r.Normal();
            return Enumerable.Range(0, 50).Select(j => 5 + a * d1[j] + b * d2[j]).ToArray();
        }).ToList();
        var pca = Pca.Fit(rows, 2);
        // The data lies exactly in span(d1, d2); within it, 400 samples tilt the axes by a few milliradians.
        Assert.InRange(Math.Abs(pca.Components[0].Zip(d1, (x, y) => x * y).Sum()), 0.995, 1 + 1e-12);
        Assert.InRange(Math.Abs(pca.Components[1].Zip(d2, (x, y) => x * y).Sum()), 0.995, 1 + 1e-12);
        Assert.Equal(1, pca.Components[0].Zip(d1, (x, y) => x * y).Sum() * pca.Components[0].Zip(d1, (x, y) => x * y).Sum()
            + pca.Components[0].Zip(d2, (x, y) => x * y).Sum() * pca.Components[0].Zip(d2, (x, y) => x * y).Sum(), 9);
        Assert.InRange(pca.ExplainedVariance[0], 9 * 0.85, 9 * 1.15);
        Assert.InRange(pca.ExplainedVariance[1], 0.85, 1.15);
        Assert.Equal(pca.TotalVariance, pca.ExplainedVariance.Sum(), 9);
        Assert.Equal(0, pca.Transform(rows.Aggregate(new double[50], (acc, row) => acc.Zip(row, (x, y) => x + y / 400).ToArray()))[0], 9);
    }

    [Fact]
    public void PcaAgreesWithMathNetsFullSvd()
    {
        var r = new SeededRandom(2);
        var rows = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 30).Select(_ => r.Normal()).ToArray()).ToList();
        var pca = Pca.Fit(rows, 3);
        var x = Matrix<double>.Build.DenseOfRowArrays(rows);
        var centred = x - Matrix<double>.Build.Dense(12, 30, (i, j) => pca.Mean[j]);
        var svd = centred.Svd(computeVectors: true);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(svd.S[c] * svd.S[c] / 11, pca.ExplainedVariance[c], 9);
            Assert.Equal(1, Math.Abs(svd.VT.Row(c).DotProduct(Vector<double>.Build.DenseOfArray(pca.Components[c]))), 9);
        }
    }

    [Fact]
    public void HessianOfAQuadraticIsItsMatrixAndTheRatioCountsPositiveEigenvalues()
    {
        // f(x) = 0.5 xᵀ A x with A = Q diag(2, 1, -3) Qᵀ: Hessian A, eigenvalues -3, 1, 2.
        var q = Matrix<double>.Build.DenseOfArray(new double[,] { { 0.6, 0.8, 0 }, { -0.8, 0.6, 0 }, { 0, 0, 1 } });
        var a = q * Matrix<double>.Build.DiagonalOfDiagonalArray([2.0, 1, -3]) * q.Transpose();
        var at = Tensor.FromArray(a.ToRowMajorArray(), 3, 3);
        var x = Tensor.FromArray(new[] { 0.1, 0.2, 0.3 });
        x.RequiresGrad = true;
        var xr = x.Reshape(1, 3);
        var spectrum = HessianSpectrum.Compute((xr.MatMul(at) * xr).Sum() * 0.5, [x]);
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) Assert.Equal(a[i, j], spectrum.Hessian[i, j], 12);
        Assert.Equal(new[] { -3.0, 1, 2 }, spectrum.Eigenvalues.Select(e => Math.Round(e, 9)));
        Assert.Equal(2.0 / 3, spectrum.MinimalRatio(), 12);
    }

    [Fact]
    public void HessianOfACubicIsDiagonalAcrossSeveralParameterTensors()
    {
        // f = sum(u³) + sum(v³): Hessian diag(6u, 6v).
        var u = Tensor.FromArray(new[] { 1.0, -2 }); u.RequiresGrad = true;
        var v = Tensor.FromArray(new[] { 0.5 }); v.RequiresGrad = true;
        var spectrum = HessianSpectrum.Compute((u * u * u).Sum() + (v * v * v).Sum(), [u, v]);
        Assert.Equal(6, spectrum.Hessian[0, 0], 12);
        Assert.Equal(-12, spectrum.Hessian[1, 1], 12);
        Assert.Equal(3, spectrum.Hessian[2, 2], 12);
        Assert.Equal(0, spectrum.Hessian[0, 2], 12);
        Assert.Equal(new[] { -12.0, 3, 6 }, spectrum.Eigenvalues.Select(e => Math.Round(e, 9)));
    }

    [Fact]
    public void GradientNormCoversEveryParameter()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2 }); a.RequiresGrad = true;
        var b = Tensor.FromArray(new[] { 3.0 }); b.RequiresGrad = true;
        var c = Tensor.FromArray(new[] { 9.0 }); c.RequiresGrad = true;
        ((a * a).Sum() + b.Sum() * 2.0).Backward(); // grads: (2, 4), (2); c has none
        Assert.Equal(Math.Sqrt(4 + 16 + 4), GradientNorm.Of([a, b, c]), 12);
    }

    [Fact]
    public void SampledRatioIsOneAtAMinimumAndRestoresTheParameters()
    {
        var x = Tensor.FromArray(new[] { 0.0, 0.0 });
        double Loss() => x[0] * x[0] + x[1] * x[1];
        Assert.Equal(1, SampledMinimalRatio.Estimate([x], Loss, 200, 0.1, new SeededRandom(3)));
        Assert.Equal(new[] { 0.0, 0.0 }, x.ToArray());
        // At a saddle x² - y², about half of the nearby points are higher.
        double Saddle() => x[0] * x[0] - x[1] * x[1];
        Assert.InRange(SampledMinimalRatio.Estimate([x], Saddle, 2000, 0.1, new SeededRandom(4)), 0.4, 0.6);
    }
}
