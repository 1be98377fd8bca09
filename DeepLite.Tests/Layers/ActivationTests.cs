using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Layers;

/// <summary>LeakyReLU and GELU give PyTorch's values, and a NaN stays a NaN.</summary>
public class ActivationTests
{
    [Fact]
    public void LeakyReluAndGeluMatchPyTorch()
    {
        var x = Tensor.FromArray(new[] { -2.0, -1.0, 0.0, 0.5, 1.0, double.NaN }, 6);
        // torch.nn.functional.leaky_relu(x, 0.1), torch.nn.functional.gelu(x)
        Assert.Equal([-0.2, -0.1, 0.0, 0.5, 1.0, double.NaN], new LeakyRelu<double>(0.1).Forward(x).ToArray());
        double[] gelu = [-0.04550026389635842, -0.15865525393145707, 0.0, 0.34573123063700656, 0.8413447460685429];
        var y = new Gelu<double>().Forward(x).ToArray();
        for (int i = 0; i < gelu.Length; i++) Assert.Equal(gelu[i], y[i], 14);
        Assert.True(double.IsNaN(y[^1]));
        // float too, through the same formula.
        Assert.Equal(0.841344746f, new Gelu<float>().Forward(Tensor.FromArray(new[] { 1f }, 1)).ToArray()[0], 6);
    }

    [Fact]
    public void LeakyReluDescribesItsSlope() => Assert.Equal("LeakyRelu(negativeSlope: 0.2)", new LeakyRelu<float>(0.2).ToString());

    [Fact]
    public void DropoutZeroesAboutPScalesTheRestAndIsTheIdentityInEvaluation()
    {
        var layer = new Dropout<double>(0.25, new SeededRandom(3));
        var x = Tensor<double>.Ones(100_000);
        var y = layer.Forward(x).ToArray();
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75) < 1e-15, $"{v}"));
        Assert.InRange(y.Count(v => v == 0) / 100_000.0, 0.245, 0.255);
        Assert.InRange(y.Average(), 0.99, 1.01);
        // The same seed gives the same mask.
        Assert.Equal(y, new Dropout<double>(0.25, new SeededRandom(3)).Forward(x).ToArray());
        layer.Eval();
        Assert.Same(x, layer.Forward(x));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<float>(1.0, new SeededRandom(1)));
        Assert.Equal("Dropout(p: 0.25)", layer.ToString());
    }

    [Fact]
    public void AveragePoolingMatchesPyTorch()
    {
        var x = Tensor.FromArray(Enumerable.Range(1, 16).Select(v => (double)v).ToArray(), 1, 1, 4, 4);
        // torch.nn.functional.avg_pool2d(x, 2) and avg_pool2d(x, 3, stride=2, padding=1) (count_include_pad=True)
        Assert.Equal([3.5, 5.5, 11.5, 13.5], new AvgPool2D<double>(2).Forward(x).ToArray());
        var padded = new AvgPool2D<double>(3, 2, Padding.Symmetric(1)).Forward(x).ToArray();
        double[] expected = [14.0 / 9, 30.0 / 9, 57.0 / 9, 99.0 / 9];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], padded[i], 12);
        Assert.Equal([8.5], new GlobalAvgPool2D<double>().Forward(x).ToArray());
        Assert.Equal([1, 1], new GlobalAvgPool2D<double>().Forward(x).Shape.ToArray());
    }
}
