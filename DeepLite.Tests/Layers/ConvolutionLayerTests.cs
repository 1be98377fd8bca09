using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Layers;

public class ConvolutionLayerTests
{
    [Fact]
    public void HomeworkCnnParameterCountsMatchKerasAndPyTorch()
    {
        var r = new SeededRandom(0);
        // conv 3x3 3->612 same, pool, dense to 10 on 32x32: 3*9*612+612 + 612*16*16*10+10.
        var oneHidden = new Sequential<float>(new Conv2D<float>(3, 612, 3, r, padding: Padding.Same), new Relu<float>(), new MaxPool2D<float>(),
            new Flatten<float>(), new Dense<float>(612 * 16 * 16, 10, r));
        Assert.Equal(1_583_866, oneHidden.ParameterCount);
        var y = oneHidden.Forward(Tensor<float>.Zeros(2, 3, 32, 32));
        Assert.Equal(new Shape(2, 10), y.Shape);

        // conv64-pool-conv128-pool-conv256-pool-conv480 -> dense10, no pool after the last conv.
        var fourHidden = new Sequential<float>(
            new Conv2D<float>(3, 64, 3, r, padding: Padding.Same), new Relu<float>(), new MaxPool2D<float>(),
            new Conv2D<float>(64, 128, 3, r, padding: Padding.Same), new Relu<float>(), new MaxPool2D<float>(),
            new Conv2D<float>(128, 256, 3, r, padding: Padding.Same), new Relu<float>(), new MaxPool2D<float>(),
            new Conv2D<float>(256, 480, 3, r, padding: Padding.Same), new Relu<float>(),
            new Flatten<float>(), new Dense<float>(480 * 4 * 4, 10, r));
        Assert.Equal(1_554_026, fourHidden.ParameterCount);
        Assert.Equal(new Shape(1, 10), fourHidden.Forward(Tensor<float>.Zeros(1, 3, 32, 32)).Shape);
    }

    [Fact]
    public void SameIsKerasSameAndSymmetricIsPyTorchPadding()
    {
        // Stride 2, kernel 3, even size 8: TensorFlow pads 0 before and 1 after; PyTorch padding=1 pads 1 and 1.
        Assert.Equal((0, 1, 0, 1), Padding.Same.Resolve(8, 8, 3, 3, 2, 2));
        Assert.Equal((1, 1, 1, 1), Padding.Symmetric(1).Resolve(8, 8, 3, 3, 2, 2));
        Assert.Equal((1, 1, 1, 1), Padding.Same.Resolve(7, 7, 3, 3, 1, 1));
        var x = Tensor<float>.Ones(1, 1, 8, 8);
        var w = Tensor<float>.Ones(1, 1, 3, 3);
        var same = x.Conv2D(w, null, 2, Padding.Same);
        var torch = x.Conv2D(w, null, 2, Padding.Symmetric(1));
        Assert.Equal(new Shape(1, 1, 4, 4), same.Shape);
        Assert.Equal(new Shape(1, 1, 4, 4), torch.Shape);
        Assert.Equal(9, same[0, 0, 0, 0]);   // window rows 0..2: all inside
        Assert.Equal(4, torch[0, 0, 0, 0]);  // window rows -1..1: one row and one column of padding
    }

    [Fact]
    public void BadShapesAreNamed()
    {
        var conv = new Conv2D<float>(3, 4, 3, new SeededRandom(0));
        Assert.Contains("[2, 1, 8, 8]", Assert.Throws<ArgumentException>(() => conv.Forward(Tensor<float>.Zeros(2, 1, 8, 8))).Message);
        Assert.Contains("[2, 3, 2, 2]", Assert.Throws<ArgumentException>(() => conv.Forward(Tensor<float>.Zeros(2, 3, 2, 2))).Message);
        Assert.Contains("[3, 8]", Assert.Throws<ArgumentException>(() => conv.Forward(Tensor<float>.Zeros(3, 8))).Message);
    }
}
