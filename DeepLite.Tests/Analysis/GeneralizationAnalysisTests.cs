using DeepLite.Analysis;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Tensors;

namespace DeepLite.Tests.Analysis;

public class GeneralizationAnalysisTests
{
    [Fact]
    public void InterpolationVisitsTheLineAndRestoresTheParameters()
    {
        var p = Tensor.FromArray(new[] { 5f, 5f });
        var seen = ParameterInterpolation.Run([p], [new[] { 0f, 2f }], [new[] { 1f, 0f }], [-1.0, 0, 0.5, 1, 2], () => p.ToArray());
        Assert.Equal(new[] { -1f, 4f }, seen[0].Result);
        Assert.Equal(new[] { 0f, 2f }, seen[1].Result);
        Assert.Equal(new[] { 0.5f, 1f }, seen[2].Result);
        Assert.Equal(new[] { 1f, 0f }, seen[3].Result);
        Assert.Equal(new[] { 2f, -2f }, seen[4].Result);
        Assert.Equal(new[] { 5f, 5f }, p.ToArray());
    }

    [Fact]
    public void JacobianSensitivityMatchesFiniteDifferences()
    {
        var random = new SeededRandom(4);
        var model = Hw1Models.Mlp<float>(random, 6, 5, 3);
        var x = Tensor<float>.Uniform(new Shape(4, 6), -1, 1, random);
        double exact = Sensitivity.JacobianFrobenius(model, x);

        // Central differences of softmax(model(x_i)) per input coordinate, in double on a copy of the model.
        double total = 0;
        for (int i = 0; i < 4; i++)
        {
            double squared = 0;
            for (int j = 0; j < 6; j++)
            {
                double[] Probe(float delta)
                {
                    var xi = Tensor<float>.FromArray(x.ToArray()[(i * 6)..((i + 1) * 6)], 1, 6);
                    xi[0, j] += delta;
                    using var _ = DeepLite.Autograd.GradMode.Disable();
                    return model.Forward(xi).Softmax().ToArray().Select(v => (double)v).ToArray();
                }
                var up = Probe(1e-2f); var down = Probe(-1e-2f);
                for (int k = 0; k < 3; k++) { double d = (up[k] - down[k]) / 2e-2; squared += d * d; }
            }
            total += Math.Sqrt(squared);
        }
        Assert.Equal(total / 4, exact, 3);
    }

    [Fact]
    public void TheReportsLossGradientFallsWithTheBatchSizeAndTheJacobianDoesNot()
    {
        var random = new SeededRandom(5);
        var model = Hw1Models.Mlp<float>(random, 6, 5, 3);
        // The same 4 samples repeated: per-sample gradients are identical, only the 1/B of the mean changes.
        var x4 = Tensor<float>.Uniform(new Shape(4, 6), -1, 1, random);
        var x16 = Tensor<float>.FromArray(Enumerable.Repeat(x4.ToArray(), 4).SelectMany(a => a).ToArray(), 16, 6);
        int[] l4 = [0, 1, 2, 0];
        int[] l16 = [.. l4, .. l4, .. l4, .. l4];
        Assert.Equal(Sensitivity.LossGradientNorm(model, x4, l4) / 2, Sensitivity.LossGradientNorm(model, x16, l16), 5);
        Assert.Equal(Sensitivity.JacobianFrobenius(model, x4), Sensitivity.JacobianFrobenius(model, x16), 5);
    }

    [Fact]
    public void SharpnessFindsTheFarCornerOfABowlsBox()
    {
        // Loss p1² + p2² at (0.05, -0.05): the box is ±0.1·(|p| + 1) = ±0.105 per entry; projected ascent goes
        // to the corner (0.155, -0.155), loss 2 · 0.155² = 0.04805, from 0.005 at the centre.
        var p = Tensor.FromArray(new[] { 0.05, -0.05 });
        p.RequiresGrad = true;
        Tensor<double> Bowl() => (p * p).Sum();
        var result = Sharpness.Estimate([p], Bowl, 0.1, 10, 5, new SeededRandom(1));
        Assert.Equal(0.005, result.Loss, 12);
        Assert.Equal(0.04805, result.MaxLoss, 9);
        Assert.Equal(0.04305, result.Sharpness, 9);
        Assert.Equal(100 * 0.04305 / 1.005, result.Normalized, 9);
        Assert.Equal(new[] { 0.05, -0.05 }, p.ToArray());
    }
}
