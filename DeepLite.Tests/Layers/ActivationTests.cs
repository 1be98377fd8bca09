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
}
