using DeepLite.Losses;
using DeepLite.Tensors;

namespace DeepLite.Tests.Losses;

public class LossStabilityTests
{
    [Theory]
    [InlineData(1e4)]
    [InlineData(-1e4)]
    public void CrossEntropyStaysFiniteForHugeLogits(float scale)
    {
        var logits = Tensor.FromArray(new[] { scale, 0, -scale, 0, scale, scale }, 2, 3);
        logits.RequiresGrad = true;
        var loss = Loss.SoftmaxCrossEntropy(logits, [2, 0], Reduction.Sum);
        loss.Backward();
        Assert.True(float.IsFinite(loss.Item()));
        Assert.All(logits.Grad!.ToArray(), g => Assert.True(float.IsFinite(g)));
        // Row 0: logits [s, 0, -s], label 2: loss = lse - z2 = 2s for s > 0, about 0 for s < 0.
        // Row 1: logits [0, s, s], label 0: loss = s + log 2 for s > 0, log(1 + 2e^s), about 0, for s < 0.
        double expectedRow0 = scale > 0 ? 2 * scale : 0;
        double expectedRow1 = scale > 0 ? scale + Math.Log(2) : 0;
        Assert.Equal(expectedRow0 + expectedRow1, loss.Item(), 1e-2);
    }

    [Fact]
    public void CrossEntropyOfAKnownCase()
    {
        // Uniform logits over 4 classes: loss = log 4; gradient = (1/4 - onehot) / N.
        var logits = Tensor<double>.Zeros(2, 4);
        logits.RequiresGrad = true;
        var loss = Loss.SoftmaxCrossEntropy(logits, [1, 3]);
        loss.Backward();
        Assert.Equal(Math.Log(4), loss.Item(), 12);
        Assert.Equal(new[] { 0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375 }, logits.Grad!.ToArray());
    }

    [Fact]
    public void OneHotTargetsEqualClassIndices()
    {
        var r = new SeededRandom(2);
        var logits = Tensor<double>.Uniform(new Shape(3, 5), -4, 4, r);
        var oneHot = Tensor<double>.Zeros(3, 5);
        oneHot[0, 4] = 1; oneHot[1, 0] = 1; oneHot[2, 2] = 1;
        Assert.Equal(Loss.SoftmaxCrossEntropy(logits, [4, 0, 2]).Item(), Loss.SoftmaxCrossEntropy(logits, oneHot).Item(), 12);
    }

    [Fact]
    public void LabelsAreValidated()
    {
        var logits = Tensor<float>.Zeros(2, 3);
        Assert.Contains("label 3 at index 1", Assert.Throws<ArgumentOutOfRangeException>(() => Loss.SoftmaxCrossEntropy(logits, [0, 3])).Message);
        Assert.Contains("1 labels", Assert.Throws<ArgumentException>(() => Loss.SoftmaxCrossEntropy(logits, [0])).Message);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Loss.MeanSquaredError(logits, Tensor<float>.Zeros(3, 2))).Message);
    }

    [Fact]
    public void MeanSquaredErrorOfAKnownCase()
    {
        var p = Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, 2, 2);
        var y = Tensor.FromArray(new[] { 0.0, 2, 5, 4 }, 2, 2);
        Assert.Equal(5.0 / 4, Loss.MeanSquaredError(p, y).Item());
        Assert.Equal(5.0, Loss.MeanSquaredError(p, y, Reduction.Sum).Item());
    }
}
