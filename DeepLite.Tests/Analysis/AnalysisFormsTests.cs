using DeepLite.Analysis;
using DeepLite.Autograd;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Analysis;

/// <summary>The analysis tools in either precision and in the forms PyTorch users reach for: per-sample Jacobians, eigenvectors, flat HVPs.</summary>
public class AnalysisFormsTests
{
    private static Sequential<double> Model(int seed) => new(new Dense<double>(5, 4, new SeededRandom(seed)), new Tanh<double>(), new Dense<double>(4, 3, new SeededRandom(seed + 1)));

    [Fact]
    public void TheJacobianIsPerSampleAndMatchesCentralDifferences()
    {
        var model = Model(1);
        var x = Tensor<double>.Uniform(new Shape(3, 5), -1, 1, new SeededRandom(2));
        var jacobian = Sensitivity.Jacobian(model, x);
        Assert.Equal(new Shape(3, 3, 5), jacobian.Shape);
        const double h = 1e-6;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 5; j++)
            {
                var plus = x.Clone(); plus[i, j] += h;
                var minus = x.Clone(); minus[i, j] -= h;
                var up = model.Forward(plus).Softmax(); var down = model.Forward(minus).Softmax();
                for (int k = 0; k < 3; k++) Assert.Equal((up[i, k] - down[i, k]) / (2 * h), jacobian[i, k, j], 8);
            }
        // Norms per sample; their mean is the course's sensitivity; logits without softmax.
        var norms = Sensitivity.JacobianNorms(model, x);
        Assert.Equal(3, norms.Length);
        for (int i = 0; i < 3; i++)
            Assert.Equal(Math.Sqrt(Enumerable.Range(0, 15).Sum(e => Math.Pow(jacobian.Span[i * 15 + e], 2))), norms[i], 12);
        Assert.Equal(norms.Average(), Sensitivity.JacobianFrobenius(model, x), 12);
        var logits = Sensitivity.Jacobian(model, x, softmax: false);
        Assert.NotEqual(jacobian.ToArray(), logits.ToArray());
    }

    [Fact]
    public void FloatAndDoubleSensitivitiesAgree()
    {
        var model = Model(3);
        var single = new Sequential<float>(new Dense<float>(5, 4, new SeededRandom(3)), new Tanh<float>(), new Dense<float>(4, 3, new SeededRandom(4)));
        var x = Tensor<double>.Uniform(new Shape(4, 5), -1, 1, new SeededRandom(5));
        var xf = Tensor<float>.FromArray(x.ToArray().Select(v => (float)v).ToArray(), 4, 5);
        Assert.Equal(Sensitivity.JacobianFrobenius(model, x), Sensitivity.JacobianFrobenius(single, xf), 5);
        Assert.Equal(Sensitivity.LossGradientNorm(model, x, [0, 1, 2, 0]), Sensitivity.LossGradientNorm(single, xf, [0, 1, 2, 0]), 5);
    }

    [Fact]
    public void EigenvectorsSatisfyHvEqualsLambdaVAndTheLossGraphSurvives()
    {
        var model = Model(6);
        var x = Tensor<double>.Uniform(new Shape(6, 5), -1, 1, new SeededRandom(7));
        var parameters = model.Parameters().ToList();
        var loss = DeepLite.Losses.Loss.SoftmaxCrossEntropy(model.Forward(x), [0, 1, 2, 0, 1, 2]);
        var spectrum = HessianSpectrum.Compute(loss, parameters);
        int n = spectrum.Eigenvalues.Length;
        Assert.Equal(parameters.Sum(p => p.Size), n);
        var hvp = new HessianVectorProduct<double>(loss, parameters);
        Assert.Equal(n, hvp.Dimension);
        foreach (int column in new[] { 0, n / 2, n - 1 })
        {
            var v = Enumerable.Range(0, n).Select(i => spectrum.Eigenvectors[i, column]).ToArray();
            Assert.Equal(1, Math.Sqrt(v.Sum(e => e * e)), 10);
            var hv = hvp.Apply(v);
            for (int i = 0; i < n; i++) Assert.Equal(spectrum.Eigenvalues[column] * v[i], hv[i], 9);
        }
        // The flat form is the per-parameter form laid end to end.
        var flat = Enumerable.Range(0, n).Select(i => Math.Sin(i)).ToArray();
        var parts = new List<Tensor<double>>();
        for (int i = 0, at = 0; i < parameters.Count; at += parameters[i].Size, i++)
            parts.Add(Tensor<double>.FromArray(flat[at..(at + parameters[i].Size)], parameters[i].Shape.ToArray()));
        Assert.Equal(hvp.Apply(parts).SelectMany(t => t.ToArray()).ToArray(), hvp.Apply(flat));
        Assert.Throws<ArgumentException>(() => hvp.Apply(new double[n + 1]));
        // The loss can still be walked: Compute kept its graph.
        loss.Backward();
        Assert.NotNull(parameters[0].Grad);
        // In float the Hessian's spectrum matches the double one to float precision.
        var single = new Sequential<float>(new Dense<float>(5, 4, new SeededRandom(6)), new Tanh<float>(), new Dense<float>(4, 3, new SeededRandom(7)));
        var xf = Tensor<float>.FromArray(x.ToArray().Select(v => (float)v).ToArray(), 6, 5);
        var floatSpectrum = HessianSpectrum.Compute(DeepLite.Losses.Loss.SoftmaxCrossEntropy(single.Forward(xf), [0, 1, 2, 0, 1, 2]), single.Parameters().ToList());
        for (int i = 0; i < n; i++) Assert.Equal(spectrum.Eigenvalues[i], floatSpectrum.Eigenvalues[i], 4);
    }
}
