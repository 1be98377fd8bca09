using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>Adam's L2 weight decay, AdamW's decoupled one and Adadelta's, one step against PyTorch's formulas.</summary>
public class WeightDecayTests
{
    private static Tensor<double> Parameter(double value, double gradient)
    {
        var p = Tensor.FromArray(new[] { value }, 1);
        p.RequiresGrad = true;
        p.Grad = Tensor.FromArray(new[] { gradient }, 1);
        return p;
    }

    [Fact]
    public void AdamAddsTheDecayToTheGradient()
    {
        var p = Parameter(1, 0.5);
        new Adam<double>([p], learningRate: 0.1, weightDecay: 0.1).Step();
        double g = 0.5 + 0.1 * 1, m = 0.1 * g, v = 0.001 * g * g;
        double expected = 1 - 0.1 / 0.1 * m / (Math.Sqrt(v) / Math.Sqrt(0.001) + 1e-8);
        Assert.Equal(expected, p.ToArray()[0], 14);
    }

    [Fact]
    public void AdamWShrinksTheParameterBeforeTheStep()
    {
        var p = Parameter(1, 0.5);
        var adamW = new AdamW<double>([p], learningRate: 0.1, weightDecay: 0.1);
        Assert.True(adamW.DecoupledWeightDecay);
        adamW.Step();
        double shrunk = 1 * (1 - 0.1 * 0.1), m = 0.1 * 0.5, v = 0.001 * 0.25;
        double expected = shrunk - 0.1 / 0.1 * m / (Math.Sqrt(v) / Math.Sqrt(0.001) + 1e-8);
        Assert.Equal(expected, p.ToArray()[0], 14);
        Assert.Equal(0.01, new AdamW<double>([Parameter(1, 1)]).WeightDecay);
    }

    [Fact]
    public void AdadeltaAddsTheDecayToTheGradient()
    {
        var p = Parameter(1, 0.5);
        new Adadelta<double>([p], learningRate: 1.0, rho: 0.9, epsilon: 1e-6, weightDecay: 0.1).Step();
        double g = 0.6, eg = 0.1 * g * g, delta = Math.Sqrt(0 + 1e-6) / Math.Sqrt(eg + 1e-6) * g;
        Assert.Equal(1 - delta, p.ToArray()[0], 14);
    }

    [Fact]
    public void WithoutDecayNothingChangesAndANegativeDecayIsRefused()
    {
        var a = Parameter(1, 0.5); var b = Parameter(1, 0.5);
        new Adam<double>([a], 0.1).Step();
        new Adam<double>([b], 0.1, weightDecay: 0).Step();
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>([a], weightDecay: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adadelta<double>([a], 1, 0.9, 1e-6, weightDecay: -1));
    }
}
