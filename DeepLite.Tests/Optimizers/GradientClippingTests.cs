using DeepLite.Autograd;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>ClipByNorm against PyTorch's clip_grad_norm_ rule.</summary>
public class GradientClippingTests
{
    private static Tensor<double> Parameter(params double[] gradient)
    {
        var p = Tensor<double>.Zeros(gradient.Length);
        p.RequiresGrad = true;
        p.Grad = Tensor.FromArray(gradient, gradient.Length);
        return p;
    }

    [Fact]
    public void AboveTheLimitTheGradientsAreScaledAsPyTorchDoes()
    {
        // Total norm of (3, 4) and (12) is 13; clip_grad_norm_(max_norm=1) multiplies by 1 / (13 + 1e-6).
        var a = Parameter(3, 4); var b = Parameter(12);
        double total = GradientClipping.ClipByNorm([a, b], 1.0);
        Assert.Equal(13, total, 12);
        double c = 1.0 / (13 + 1e-6);
        Assert.Equal([3 * c, 4 * c], a.Grad!.ToArray());
        Assert.Equal([12 * c], b.Grad!.ToArray());
        Assert.Equal(1.0, GradientClipping.TotalNorm([a, b]), 6);
    }

    [Fact]
    public void BelowTheLimitNothingChangesAndParametersWithoutGradientsAreSkipped()
    {
        var a = Parameter(0.3, 0.4);
        var none = Tensor<double>.Zeros(3); none.RequiresGrad = true;
        Assert.Equal(0.5, GradientClipping.ClipByNorm([a, none], 1.0), 12);
        Assert.Equal([0.3, 0.4], a.Grad!.ToArray());
        Assert.Null(none.Grad);
    }

    [Fact]
    public void ANonFiniteGradientOrABadLimitIsRefused()
    {
        var a = Parameter(1, double.NaN);
        var e = Assert.Throws<NonFiniteException>(() => GradientClipping.ClipByNorm([a], 1.0));
        Assert.Contains("NaN", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByNorm([Parameter(1)], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByNorm([Parameter(1)], double.NaN));
    }

    [Fact]
    public void ClippingBetweenBackwardAndStepKeepsALargeStepBounded()
    {
        // snippet-begin: clip-grad-norm
        var w = Tensor.FromArray(new[] { 1.0, -2.0 }, 2);
        w.RequiresGrad = true;
        var sgd = new Sgd<double>([w], learningRate: 1.0);
        sgd.ZeroGrad();
        (w * 1000.0).Sum().Backward();
        double norm = GradientClipping.ClipByNorm([w], maxNorm: 1.0); // PyTorch: clip_grad_norm_(params, 1.0)
        sgd.Step();
        // snippet-end
        Assert.Equal(Math.Sqrt(2) * 1000, norm, 6);
        var moved = Math.Sqrt(Math.Pow(w.ToArray()[0] - 1, 2) + Math.Pow(w.ToArray()[1] + 2, 2));
        Assert.InRange(moved, 0.999, 1.0);
    }
}
