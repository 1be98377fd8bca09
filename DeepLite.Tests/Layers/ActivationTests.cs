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

    [Fact]
    public void MaxWithIndicesAndMaxPoolIndicesAreTorchs()
    {
        var x = Tensor.FromArray(new[] { 1.0, 9, 3, 4, 7, 6, 2, 8, 5, 0, 11, 10, 12, 13, 15, 14 }, 1, 1, 4, 4);
        // torch.nn.functional.max_pool2d(x, 2, return_indices=True): values 9, 8, 13, 15 at 1, 7, 13, 14.
        var (values, indices) = x.MaxPool2DWithIndices(2);
        Assert.Equal([9.0, 8, 13, 15], values.ToArray());
        Assert.Equal([1, 7, 13, 14], indices.ToArray());
        Assert.Equal(new Shape(1, 1, 2, 2), indices.Shape);
        Assert.Equal(14, indices[0, 0, 1, 1]);
        // Per plane: the second plane's indices start again at 0.
        var two = Tensor.FromArray([.. x.ToArray(), .. x.ToArray()], 1, 2, 4, 4);
        Assert.Equal([1, 7, 13, 14, 1, 7, 13, 14], two.MaxPool2DWithIndices(2).Indices.ToArray());
        // torch.max(m, 1) and m.max().
        var m = Tensor.FromArray(new[] { 1.0, 5, 2, 7, 3, 7 }, 2, 3);
        var (rowMax, where) = m.MaxWithIndices(1);
        Assert.Equal([5.0, 7], rowMax.ToArray());
        Assert.Equal([1, 0], where.ToArray());
        Assert.Equal(new Shape(2), where.Shape);
        Assert.Equal(7, m.Max().Item());
        Assert.Equal(0, m.Max().Rank);
        // torch.argmax(m, 1, keepdim=True) and m.argmax(): the first maximum, flat.
        var kept = m.ArgMax(1, keepDims: true);
        Assert.Equal(new Shape(2, 1), kept.Shape);
        Assert.Equal(0, kept[1, 0]);
        Assert.Equal(3, m.ArgMax());
        Assert.Equal(new Shape(2, 1), m.MaxWithIndices(1, keepDims: true).Indices.Shape);
        Assert.Throws<InvalidOperationException>(() => Tensor.FromArray(Array.Empty<double>(), 0).ArgMax());
    }
}
