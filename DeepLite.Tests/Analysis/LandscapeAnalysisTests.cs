using DeepLite.Analysis;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Tensors;

namespace DeepLite.Tests.Analysis;

/// <summary>
/// The Hessian analyses of models too large for the whole Hessian (Lanczos top eigenpairs, Hutchinson's trace,
/// stochastic Lanczos quadrature, filter-normalized loss surfaces), checked on nets small enough for
/// <see cref="HessianSpectrum"/>'s exact spectrum: hw1-2-3's 1-10-10-1 regression net and a classification MLP whose
/// loss is a mean over batches of unequal sizes.
/// </summary>
public class LandscapeAnalysisTests
{
    /// <summary>A small model, its loss as batches, and the exact spectrum of the whole data set's mean loss.</summary>
    private sealed record Case(Module<double> Model, IReadOnlyList<HessianBatch<double>> Batches, HessianSpectrum Exact)
    {
        public HessianOperator<double> Operator() => new(Model.Parameters(), Batches);
    }

    /// <summary>hw1-2-3's net (1-10-10-1, ReLU, 141 parameters) after a few Adam steps on sin(5πx)/(5πx), one batch.</summary>
    private static Case Regression()
    {
        var r = new SeededRandom(4);
        var model = new Sequential<double>(new Dense<double>(1, 10, r), new Relu<double>(), new Dense<double>(10, 10, r), new Relu<double>(), new Dense<double>(10, 1, r));
        var xs = Enumerable.Range(1, 60).Select(i => i / 60.0).ToArray();
        var x = Tensor.FromArray(xs, 60, 1);
        var y = Tensor.FromArray(xs.Select(v => Math.Sin(5 * Math.PI * v) / (5 * Math.PI * v)).ToArray(), 60, 1);
        Tensor<double> Mse() => Loss.MeanSquaredError(model.Forward(x), y);
        var adam = new DeepLite.Optimizers.Adam<double>(model.Parameters(), 1e-2);
        for (int step = 0; step < 200; step++)
        {
            adam.ZeroGrad();
            Mse().Backward();
            adam.Step();
        }
        return new Case(model, [new HessianBatch<double>(Mse, 60)], HessianSpectrum.Compute(Mse(), model.Parameters()));
    }

    /// <summary>An MLP 6-12-4 (tanh) with softmax cross-entropy over 50 examples in batches of 20, 20 and 10.</summary>
    private static Case Classification()
    {
        var r = new SeededRandom(8);
        var model = new Sequential<double>(new Dense<double>(6, 12, r), new Tanh<double>(), new Dense<double>(12, 4, r));
        var inputs = Tensor<double>.Normal(new Shape(50, 6), 0, 1, r);
        var labels = Enumerable.Range(0, 50).Select(i => r.NextInt(4)).ToArray();
        var sizes = new[] { 20, 20, 10 };
        var batches = new List<HessianBatch<double>>();
        for (int b = 0, at = 0; b < sizes.Length; at += sizes[b], b++)
        {
            var (start, count) = (at, sizes[b]);
            var part = Tensor.FromArray(inputs.ToArray()[(start * 6)..((start + count) * 6)], count, 6);
            var partLabels = labels[start..(start + count)];
            batches.Add(new HessianBatch<double>(() => Loss.SoftmaxCrossEntropy(model.Forward(part), partLabels), count));
        }
        var exact = HessianSpectrum.Compute(Loss.SoftmaxCrossEntropy(model.Forward(inputs), labels), model.Parameters());
        return new Case(model, batches, exact);
    }

    public static TheoryData<string> Cases => new() { "regression", "classification" };

    private static Case Make(string name) => name == "regression" ? Regression() : Classification();

    [Fact]
    public void TheBatchedOperatorIsTheExactHessianOfTheMeanLoss()
    {
        var c = Classification();
        var op = c.Operator();
        var r = new SeededRandom(1);
        var v = Enumerable.Range(0, op.Dimension).Select(_ => r.Normal()).ToArray();
        var hv = op.Apply(v);
        int n = op.Dimension;
        for (int i = 0; i < n; i++)
        {
            double exact = 0;
            for (int j = 0; j < n; j++) exact += c.Exact.Hessian[i, j] * v[j];
            Assert.Equal(exact, hv[i], 1e-12);
        }
        Assert.Equal((3L, 1L), (op.Products, op.Passes));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LanczosGivesTheTopEigenvaluesToOneInAMillion(string name)
    {
        var c = Make(name);
        var op = c.Operator();
        var top = HessianEigenvalues.Compute(op, 5, new SeededRandom(3), maxIterations: op.Dimension, tolerance: 1e-10);
        var exact = c.Exact.Eigenvalues.Reverse().Take(5).ToArray();
        int n = op.Dimension;
        for (int i = 0; i < 5; i++)
        {
            Assert.True(Math.Abs(top.Eigenvalues[i] - exact[i]) <= 1e-6 * Math.Abs(exact[0]), $"{name}: λ{i + 1} = {top.Eigenvalues[i]}, exact {exact[i]}");
            // The eigenvector, up to sign (the top eigenvalues here are simple).
            double cosine = Enumerable.Range(0, n).Sum(j => top.Eigenvectors[i][j] * c.Exact.Eigenvectors[j, n - 1 - i]);
            Assert.True(Math.Abs(cosine) > 1 - 1e-6, $"{name}: eigenvector {i + 1} has |cos| {Math.Abs(cosine)} with the exact one");
            Assert.True(top.Residuals[i] <= 1e-6 * Math.Abs(exact[0]), $"{name}: residual {top.Residuals[i]}");
        }
        Assert.Equal(top.Iterations, top.Products);
        Assert.True(top.Iterations < n, $"{name}: {top.Iterations} iterations for {n} parameters: Lanczos should stop once the top 5 converged");
    }

    [Fact]
    public void LanczosInFloatAgreesWithTheDoubleSpectrum()
    {
        var c = Regression();
        var single = new Sequential<float>(new Dense<float>(1, 10), new Relu<float>(), new Dense<float>(10, 10), new Relu<float>(), new Dense<float>(10, 1));
        foreach (var (to, from) in single.Parameters().Zip(c.Model.Parameters()))
        {
            var values = from.ToArray();
            for (int i = 0; i < values.Length; i++) to.Span[i] = (float)values[i];
        }
        var xs = Enumerable.Range(1, 60).Select(i => i / 60f).ToArray();
        var x = Tensor.FromArray(xs, 60, 1);
        var y = Tensor.FromArray(xs.Select(v => (float)(Math.Sin(5 * Math.PI * v) / (5 * Math.PI * v))).ToArray(), 60, 1);
        var op = new HessianOperator<float>(single.Parameters(), () => Loss.MeanSquaredError(single.Forward(x), y));
        var top = HessianEigenvalues.Compute(op, 3, new SeededRandom(3), tolerance: 1e-5);
        var exact = c.Exact.Eigenvalues.Reverse().Take(3).ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(exact[i], top.Eigenvalues[i], 1e-3 * Math.Abs(exact[0]));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HutchinsonsIntervalHoldsTheExactTraceAsOftenAsItSays(string name)
    {
        var c = Make(name);
        var op = c.Operator();
        double trace = c.Exact.Eigenvalues.Sum();
        var estimate = HessianTrace.Hutchinson(op, 100, new SeededRandom(11));
        Assert.InRange(trace, estimate.Interval95.Low, estimate.Interval95.High);
        Assert.Equal(100, estimate.Products);
        // Over 40 independent estimates of 30 samples, a 95 % interval misses about twice; 8 misses would be a 1-in-10,000 draw.
        int misses = 0;
        for (int seed = 0; seed < 40; seed++)
        {
            var (low, high) = HessianTrace.Hutchinson(op, 30, new SeededRandom(100 + seed)).Interval95;
            if (trace < low || trace > high) misses++;
        }
        Assert.True(misses < 8, $"{name}: the 95 % interval missed the exact trace {trace} in {misses} of 40 estimates");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheSpectralDensityIsAQuadratureThatIntegratesToOne(string name)
    {
        var c = Make(name);
        var op = c.Operator();
        int n = op.Dimension;
        var density = SpectralDensity.Estimate(op, n, 2, new SeededRandom(5));
        Assert.Equal(2L * n, density.Products);
        double min = c.Exact.Eigenvalues[0], max = c.Exact.Eigenvalues[^1], width = max - min;
        foreach (var (nodes, weights) in density.Nodes.Zip(density.Weights))
        {
            Assert.Equal(1, weights.Sum(), 1e-10);
            // Ritz values lie in the spectrum's hull; with n steps they are the eigenvalues themselves.
            Assert.All(nodes, θ => Assert.InRange(θ, min - 1e-8 * width, max + 1e-8 * width));
            Assert.Equal(max, nodes[^1], 1e-8 * width);
        }
        var (x, p, sigma) = density.OnGrid(4000, 0.01);
        double integral = 0;
        for (int i = 1; i < x.Length; i++) integral += 0.5 * (p[i] + p[i - 1]) * (x[i] - x[i - 1]);
        Assert.Equal(1, integral, 1e-3);
        Assert.True(sigma > 0);
        // The quadrature's first moment is vᵀ H v for its unit start vector: over runs, a (1/n) trace estimate.
        double mean = density.Nodes.Zip(density.Weights, (θ, w) => θ.Zip(w, (a, b) => a * b).Sum()).Average();
        Assert.InRange(mean * n, c.Exact.Eigenvalues.Sum() - 0.5 * n * width, c.Exact.Eigenvalues.Sum() + 0.5 * n * width);
    }

    [Fact]
    public void LanczosMomentsAreThoseOfTheStartVector()
    {
        // With as many steps as dimensions, Σ wᵢ θᵢᵖ = vᵀ Hᵖ v for the (unit) start vector: the quadrature is exact.
        var c = Regression();
        var op = c.Operator();
        int n = op.Dimension;
        var density = SpectralDensity.Estimate(op, n, 1, new SeededRandom(5));
        var v = new double[n];
        HessianTrace.Rademacher(v, new SeededRandom(5)); // the density's start vector, before Lanczos normalizes it
        double norm = Math.Sqrt(n);
        for (int i = 0; i < n; i++) v[i] /= norm;
        var hv = op.Apply(v);
        double first = v.Zip(hv, (a, b) => a * b).Sum(), second = hv.Sum(a => a * a);
        var (θs, ws) = (density.Nodes[0], density.Weights[0]);
        double scale = Math.Abs(c.Exact.Eigenvalues[^1]);
        Assert.Equal(first, θs.Zip(ws, (θ, w) => w * θ).Sum(), 1e-9 * scale);
        Assert.Equal(second, θs.Zip(ws, (θ, w) => w * θ * θ).Sum(), 1e-9 * scale * scale);
    }

    [Fact]
    public void FilterNormalizedDirectionsHaveEachFiltersNormAndLeaveBiasesStill()
    {
        var r = new SeededRandom(2);
        var model = new Sequential<float>(new Conv2D<float>(3, 8, 3, r), new BatchNorm<float>(8), new Relu<float>(), new Flatten<float>(), new Dense<float>(8 * 4 * 4, 5, r));
        var parameters = model.Parameters();
        var direction = LossSurface.FilterNormalizedDirection(parameters, new SeededRandom(7));
        for (int p = 0; p < parameters.Count; p++)
        {
            var w = parameters[p].ToArray();
            if (parameters[p].Shape.Rank <= 1)
            {
                Assert.All(direction[p], d => Assert.Equal(0f, d));
                continue;
            }
            int filters = parameters[p].Shape[0], size = w.Length / filters;
            for (int f = 0; f < filters; f++)
            {
                double dn = Math.Sqrt(direction[p].Skip(f * size).Take(size).Sum(x => (double)x * x));
                double wn = Math.Sqrt(w.Skip(f * size).Take(size).Sum(x => (double)x * x));
                Assert.Equal(wn, dn, 1e-5 * wn);
            }
        }
        var moved = LossSurface.FilterNormalizedDirection(parameters, new SeededRandom(7), moveBiasAndNormalization: true);
        Assert.Equal(parameters[1].ToArray(), moved[1]); // the convolution's bias, copied
        // The same seed, the same direction.
        Assert.Equal(direction.SelectMany(d => d), LossSurface.FilterNormalizedDirection(parameters, new SeededRandom(7)).SelectMany(d => d));
    }

    [Fact]
    public void SurfacesEvaluateAtThetaPlusTheStepsAndPutThetaBack()
    {
        var r = new SeededRandom(3);
        var model = new Sequential<double>(new Dense<double>(4, 3, r));
        var parameters = model.Parameters();
        var theta = parameters.Select(p => p.ToArray()).ToArray();
        var d1 = LossSurface.FilterNormalizedDirection(parameters, new SeededRandom(1));
        var d2 = LossSurface.FilterNormalizedDirection(parameters, new SeededRandom(2));
        double[] First() => [parameters[0].ToArray()[0], parameters[0].ToArray()[5]];
        var line = LossSurface.Line(parameters, d1, [-1.0, 0, 0.5], First);
        Assert.Equal([-1.0, 0, 0.5], line.Select(l => l.Alpha));
        Assert.Equal(theta[0][0] + 0.5 * d1[0][0], line[2].Result[0], 12);
        Assert.Equal(theta[0][5], line[1].Result[1], 12);
        var plane = LossSurface.Plane(parameters, d1, d2, [-1.0, 1], [0.0, 2, 3], First);
        Assert.Equal((2, 3), (plane.GetLength(0), plane.GetLength(1)));
        Assert.Equal(theta[0][5] + 1 * d1[0][5] + 3 * d2[0][5], plane[1, 2][1], 12);
        Assert.Equal(theta[0], parameters[0].ToArray());
        // Put back also when the evaluation throws.
        Assert.Throws<InvalidOperationException>(() => LossSurface.Line<double, int>(parameters, d1, [2.0], () => throw new InvalidOperationException("stop")));
        Assert.Equal(theta[0], parameters[0].ToArray());
        Assert.Contains("array 0 has 3 values; parameter 0 of shape", Assert.Throws<ArgumentException>(() =>
            LossSurface.Line(parameters, [new double[3], new double[3]], [0.0], () => 0)).Message);
    }

    [Fact]
    public void MisuseIsRefusedWithTheNumbers()
    {
        var op = Regression().Operator();
        Assert.Contains("k = 0 must be between 1 and the 141 parameters", Assert.Throws<ArgumentException>(() => HessianEigenvalues.Compute(op, 0, new SeededRandom(1))).Message);
        Assert.Contains("3 iterations cannot give 5 eigenvalues", Assert.Throws<ArgumentException>(() => HessianEigenvalues.Compute(op, 5, new SeededRandom(1), maxIterations: 3)).Message);
        Assert.Contains("1 samples; the standard error needs at least 2", Assert.Throws<ArgumentException>(() => HessianTrace.Hutchinson(op, 1, new SeededRandom(1))).Message);
        Assert.Contains("a vector of 3 elements for 141", Assert.Throws<ArgumentException>(() => op.Apply(new double[3])).Message);
        Assert.Contains("batch 0 has 0 examples", Assert.Throws<ArgumentException>(() => new HessianOperator<double>([Tensor<double>.Zeros(2)], [new HessianBatch<double>(() => Tensor<double>.Zeros(1), 0)])).Message);
    }

    [Fact]
    public void ANonFiniteProductIsReportedNotAveraged()
    {
        var w = Tensor.FromArray([1.0, 2.0], 2);
        w.RequiresGrad = true;
        // The square root of a negative number: NaN in the loss and in its derivatives.
        var op = new HessianOperator<double>([w], () => ((w * w).Sum() - Tensor.FromArray([100.0], 1).Sum()).Sqrt());
        Assert.Throws<ArithmeticException>(() => HessianTrace.Hutchinson(op, 4, new SeededRandom(1)));
    }
}
