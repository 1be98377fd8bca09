using DeepLite.Losses;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Losses;

/// <summary>
/// Cross-entropy's class weights, label smoothing and ignore index, NLL and BCE with logits: values against PyTorch's
/// formulas written out here element by element, gradients against central differences.
/// </summary>
public class CrossEntropyOptionsTests
{
    /// <summary>PyTorch's cross_entropy with class indices, written from its definition (LossNLL.cpp's label-smoothing path).</summary>
    private static double Reference(double[,] logits, int[] labels, double[]? w, int ignore, double eps, bool mean)
    {
        int n = logits.GetLength(0), c = logits.GetLength(1);
        double nll = 0, smooth = 0, divisor = 0;
        for (int i = 0; i < n; i++)
        {
            if (labels[i] == ignore) continue;
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, logits[i, j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.Exp(logits[i, j] - max);
            double Log(int j) => logits[i, j] - max - Math.Log(sum);
            double wy = w?[labels[i]] ?? 1;
            nll -= wy * Log(labels[i]);
            for (int j = 0; j < c; j++) smooth -= (w?[j] ?? 1) * Log(j);
            divisor += wy;
        }
        double total = (1 - eps) * nll + eps / c * smooth;
        return mean ? total / divisor : total;
    }

    private static (Tensor<double> Logits, double[,] Raw, int[] Labels) Case(int seed, int n, int c, int ignore)
    {
        var random = new SeededRandom(seed);
        var logits = Tensor<double>.Uniform(new Shape(n, c), -3, 3, random);
        var raw = new double[n, c];
        for (int i = 0; i < n; i++) for (int j = 0; j < c; j++) raw[i, j] = logits[i, j];
        var labels = Enumerable.Range(0, n).Select(i => i == 0 ? 0 : (i % 4 == 3 ? ignore : (int)(random.NextDouble() * c))).ToArray();
        return (logits, raw, labels);
    }

    [Theory]
    [InlineData(false, 0.0, true)]
    [InlineData(true, 0.0, true)]
    [InlineData(false, 0.1, true)]
    [InlineData(true, 0.2, true)]
    [InlineData(true, 0.2, false)]
    public void CrossEntropyMatchesPyTorchsFormula(bool weighted, double smoothing, bool mean)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var (logits, raw, labels) = Case(seed, 6, 4, -100);
            double[]? w = weighted ? [0.5, 2, 1, 3] : null;
            var weights = w is null ? null : Tensor.FromArray(w);
            var reduction = mean ? Reduction.Mean : Reduction.Sum;
            double actual = Loss.CrossEntropy(logits, labels, weights, labelSmoothing: smoothing, reduction: reduction).Item();
            Assert.Equal(Reference(raw, labels, w, -100, smoothing, mean), actual, 12);
            AssertGradients(xs => Loss.CrossEntropy(xs[0], labels, weights, labelSmoothing: smoothing, reduction: reduction), [logits], seed);
            AssertHessianVectorProducts(xs => Loss.CrossEntropy(xs[0], labels, weights, labelSmoothing: smoothing, reduction: reduction), [logits], seed);
        }
    }

    [Fact]
    public void TheIgnoreIndexDropsSamplesFromTheSumAndTheMean()
    {
        var (logits, raw, labels) = Case(5, 8, 3, 7);
        Assert.Contains(7, labels);
        double actual = Loss.CrossEntropy(logits, labels, ignoreIndex: 7).Item();
        Assert.Equal(Reference(raw, labels, null, 7, 0, true), actual, 12);
        // The ignored rows get no gradient.
        var leaf = logits.Clone(); leaf.RequiresGrad = true;
        Loss.CrossEntropy(leaf, labels, ignoreIndex: 7).Backward();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] == 7) Assert.All(leaf.Grad!.Narrow(0, i, 1).ToArray(), g => Assert.Equal(0, g));
        // Without options it is SoftmaxCrossEntropy.
        var plain = labels.Select(l => l == 7 ? 0 : l).ToArray();
        Assert.Equal(Loss.SoftmaxCrossEntropy(logits, plain).Item(), Loss.CrossEntropy(logits, plain).Item(), 14);
        Assert.True(double.IsNaN(Loss.CrossEntropy(logits, Enumerable.Repeat(7, 8).ToArray(), ignoreIndex: 7).Item()));
        Assert.Throws<ArgumentOutOfRangeException>(() => Loss.CrossEntropy(logits, Enumerable.Repeat(3, 8).ToArray()));
        Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(logits, labels, Tensor.FromArray(new double[] { 1, 2 })));
    }

    [Fact]
    public void NllLossOfLogSoftmaxIsCrossEntropy()
    {
        var (logits, _, labels) = Case(9, 6, 5, -100);
        var w = Tensor.FromArray(new double[] { 1, 2, 0.5, 1, 3 });
        Assert.Equal(Loss.CrossEntropy(logits, labels, w).Item(), Loss.NllLoss(logits.LogSoftmax(), labels, w).Item(), 12);
        Assert.Equal(Loss.CrossEntropy(logits, labels, reduction: Reduction.Sum).Item(), Loss.NllLoss(logits.LogSoftmax(), labels, reduction: Reduction.Sum).Item(), 12);
        AssertGradients(xs => Loss.NllLoss(xs[0], labels, w), [logits], 9);
    }

    [Property(MaxTest = 100)]
    public Property BinaryCrossEntropyWithLogits() => Prop.ForAll(Generators.Tensors(), c =>
    {
        var x = c.Make(-6, 6);
        var random = new SeededRandom(c.Seed + 1);
        var t = Tensor<double>.Uniform(x.Shape, 0, 1, random);
        var w = Tensor<double>.Uniform(x.Shape, 0.5, 2, random);
        var p = Tensor<double>.Uniform(new Shape(x.Shape[-1]), 0.5, 3, random);
        // -w [p t log σ(x) + (1 - t) log(1 - σ(x))], element by element.
        double expected = 0;
        for (int i = 0; i < x.Size; i++)
        {
            double xi = x.Span[i], ti = t.Span[i], s = 1 / (1 + Math.Exp(-xi)), pi = p.Span[i % p.Size];
            expected += -w.Span[i] * (pi * ti * Math.Log(s) + (1 - ti) * Math.Log(1 - s));
        }
        // A tolerance, not 10 rounded places: two values 3e-15 apart can round apart at the tenth decimal (CI saw 4.17191576245 vs ...450003).
        Assert.Equal(expected / x.Size, Loss.BinaryCrossEntropyWithLogits(x, t, w, p).Item(), 1e-10 * Math.Max(1, Math.Abs(expected / x.Size)));
        AssertGradients(xs => Loss.BinaryCrossEntropyWithLogits(xs[0], xs[1], w, p, Reduction.Sum), [x, t], c.Seed);
        AssertHessianVectorProducts(xs => Loss.BinaryCrossEntropyWithLogits(xs[0], xs[1], w, p), [x, t], c.Seed);
    });

    [Fact]
    public void BinaryCrossEntropyWithLogitsIsStable()
    {
        Assert.Equal(Math.Log(2), Loss.BinaryCrossEntropyWithLogits(Tensor.FromArray(new double[] { 0 }), Tensor.FromArray(new double[] { 1 })).Item(), 14);
        Assert.Equal(1000, Loss.BinaryCrossEntropyWithLogits(Tensor.FromArray(new double[] { -1000 }), Tensor.FromArray(new double[] { 1 })).Item(), 10);
        Assert.Equal(0, Loss.BinaryCrossEntropyWithLogits(Tensor.FromArray(new double[] { 1000 }), Tensor.FromArray(new double[] { 1 })).Item(), 10);
        Assert.Throws<ArgumentException>(() => Loss.BinaryCrossEntropyWithLogits(Tensor<double>.Zeros(2), Tensor<double>.Zeros(3)));
    }
}
