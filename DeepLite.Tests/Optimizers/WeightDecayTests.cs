using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>Adam's L2 weight decay, AdamW's decoupled one, Adadelta's, SGD's dampening and AMSGrad, step by step against PyTorch's formulas.</summary>
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

    [Fact]
    public void SgdDampsEveryGradientButTheFirst()
    {
        // PyTorch: buf = g on the first step, then buf = 0.9 buf + (1 - 0.25) g.
        var p = Parameter(1, 0.5);
        var sgd = new Sgd<double>([p], learningRate: 0.1, momentum: 0.9, dampening: 0.25);
        sgd.Step();
        Assert.Equal(1 - 0.1 * 0.5, p.ToArray()[0], 15);
        p.Grad = Tensor.FromArray(new[] { 0.2 }, 1);
        sgd.Step();
        double buffer = 0.9 * 0.5 + 0.75 * 0.2;
        Assert.Equal(1 - 0.1 * 0.5 - 0.1 * buffer, p.ToArray()[0], 15);
        // A restored state keeps counting from its buffer: the next step is damped, as in PyTorch.
        var q = Parameter(1 - 0.1 * 0.5, 0.2);
        var resumed = new Sgd<double>([q], learningRate: 0.1, momentum: 0.9, dampening: 0.25);
        resumed.LoadState(new OptimizerState<double>(1, 0.1, [new(0, "momentum_buffer", [0.5])]));
        resumed.Step();
        Assert.Equal(p.ToArray()[0], q.ToArray()[0], 15);
        Assert.Throws<ArgumentException>(() => new Sgd<double>([p], 0.1, momentum: 0.9, nesterov: true, dampening: 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<double>([p], 0.1, momentum: 0.9, dampening: 1.5));
    }

    [Fact]
    public void AmsGradDividesByTheLargestSecondMomentSoFar()
    {
        var p = Parameter(1, 1.0);
        var adam = new Adam<double>([p], learningRate: 0.1, amsGrad: true);
        Assert.Equal(["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], adam.StateNames);
        adam.Step();
        double m = 0.1, v = 0.001, vMax = v, x = 1 - 0.1 / 0.1 * m / (Math.Sqrt(vMax) / Math.Sqrt(0.001) + 1e-8);
        Assert.Equal(x, p.ToArray()[0], 14);
        // A small second gradient lowers v; AMSGrad keeps the first one's in the denominator.
        p.Grad = Tensor.FromArray(new[] { 0.01 }, 1);
        adam.Step();
        m = 0.9 * m + 0.1 * 0.01; v = 0.999 * v + 0.001 * 0.0001; vMax = Math.Max(vMax, v);
        double c1 = 1 - 0.81, c2 = 1 - 0.999 * 0.999;
        x -= 0.1 / c1 * m / (Math.Sqrt(vMax) / Math.Sqrt(c2) + 1e-8);
        Assert.True(vMax > v);
        Assert.Equal(x, p.ToArray()[0], 14);
        Assert.Equal(vMax, adam.GetState().Buffers.Single(b => b.Name == "max_exp_avg_sq").Values[0], 15);
    }
}
