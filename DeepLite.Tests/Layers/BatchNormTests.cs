using DeepLite.Layers;
using DeepLite.Serialization;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Layers;

/// <summary>BatchNorm: PyTorch's numbers in training and evaluation, its state under PyTorch's names, its gradients.</summary>
public class BatchNormTests
{
    [Fact]
    public void TrainingNormalizesByTheBatchAndMovesTheRunningStatisticsAsPyTorch()
    {
        // torch.nn.BatchNorm1d(2) on [[1, 2], [3, 4], [5, 6]] in training mode.
        var bn = new BatchNorm<double>(2);
        var x = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 3, 2);
        var y = bn.Forward(x).ToArray();
        double z = 2 / Math.Sqrt(8.0 / 3 + 1e-5);
        double[] expected = [-z, -z, 0, 0, z, z];
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], y[i], 12);
        // running_mean = 0.9·0 + 0.1·mean, running_var = 0.9·1 + 0.1·(unbiased var 4).
        Assert.Equal([0.3, 0.4], bn.RunningMean!.ToArray().Select(v => Math.Round(v, 12)));
        Assert.Equal([1.3, 1.3], bn.RunningVar!.ToArray().Select(v => Math.Round(v, 12)));

        bn.Eval();
        var e = bn.Forward(Tensor.FromArray(new[] { 0.3, 1.4 }, 1, 2)).ToArray();
        Assert.Equal(0, e[0], 12);
        Assert.Equal(1 / Math.Sqrt(1.3 + 1e-5), e[1], 12);
    }

    [Fact]
    public void FourDimensionalInputsNormalizePerChannelOverBatchAndPlane()
    {
        var bn = new BatchNorm<double>(3);
        var x = Tensor<double>.Uniform(new Shape(4, 3, 5, 5), -2, 5, new SeededRandom(2));
        var y = bn.Forward(x);
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 4).SelectMany(n => Enumerable.Range(0, 25).Select(p => y.ToArray()[(n * 3 + c) * 25 + p])).ToList();
            Assert.Equal(0, values.Average(), 10);
            Assert.Equal(1, values.Select(v => v * v).Average(), 4);
        }
        Assert.Throws<ArgumentException>(() => bn.Forward(Tensor<double>.Zeros(4, 2, 5, 5)));
        Assert.Throws<ArgumentException>(() => bn.Forward(Tensor<double>.Zeros(1, 3)));
    }

    [Fact]
    public void WeightsFilesHoldTheRunningStatisticsUnderPyTorchsNames()
    {
        using var folder = new Data.Fixtures();
        var model = new Sequential<double>(new Dense<double>(3, 2, new SeededRandom(1)), new BatchNorm<double>(2));
        model.Forward(Tensor<double>.Uniform(new Shape(8, 3), -1, 1, new SeededRandom(3)));
        var path = Path.Combine(folder.Folder, "bn.safetensors");
        model.SaveWeights(path);
        var names = DeepLite.Serialization.SafeTensorsFile.Open(path).Tensors.Select(t => t.Name).ToList();
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var"], names);
        var fresh = new Sequential<double>(new Dense<double>(3, 2, new SeededRandom(9)), new BatchNorm<double>(2));
        fresh.LoadWeights(path);
        var bn = (BatchNorm<double>)model.Layers[1];
        Assert.Equal(bn.RunningVar!.ToArray(), ((BatchNorm<double>)fresh.Layers[1]).RunningVar!.ToArray());
        // The summary counts weight and bias (buffers are state, not parameters) and changes nothing.
        var before = bn.RunningMean!.ToArray();
        var summary = model.Summary(3);
        Assert.Contains("Total params: 12", summary);
        Assert.Equal(before, bn.RunningMean!.ToArray());
        Assert.True(model.IsTraining);
    }

    [Property(MaxTest = 50)]
    public Property TrainingModeGradientsAndDoubleBackwardThroughTheBatchStatistics() => Prop.ForAll(
        (from n in Gen.Choose(2, 4) from c in Gen.Choose(1, 3) from seed in Gen.Choose(1, 100000) select (n, c, seed)).ToArbitrary(),
        t =>
        {
            var x = Tensor<double>.Uniform(new Shape(t.n, t.c, 2, 3), -1, 1, new SeededRandom(t.seed));
            var bn = new BatchNorm<double>(t.c);
            // A weight and a bias away from 1 and 0, so their paths are checked too (through x's gradient).
            bn.Weight!.Span.Fill(1.3); bn.Bias!.Span.Fill(-0.2);
            AssertGradients(xs => bn.Forward(xs[0]), [x], t.seed);
            AssertHessianVectorProducts(xs => bn.Forward(xs[0]).Square(), [x], t.seed);
        });
}
