using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>
/// Several steps on fixed problems against values derived by hand from each published update rule.
/// Problem Q: L(p) = 0.5 p², so grad = p. Problem C: L(p) = 2p, so grad = 2 always.
/// </summary>
public class OptimizerTests
{
    private static Tensor<double> Param(double v)
    {
        var p = Tensor.FromArray(new[] { v });
        p.RequiresGrad = true;
        return p;
    }

    private static void Steps(Optimizer<double> opt, Tensor<double> p, Func<Tensor<double>, Tensor<double>> loss, int n, double[] expected)
    {
        for (int i = 0; i < n; i++)
        {
            opt.ZeroGrad();
            loss(p).Backward();
            opt.Step();
            Assert.Equal(expected[i], p.Item(), 12);
        }
    }

    private static Tensor<double> Quadratic(Tensor<double> p) => (p * p).Sum() * 0.5;
    private static Tensor<double> Linear(Tensor<double> p) => (p * 2.0).Sum();

    [Fact]
    public void SgdWithMomentum()
    {
        // lr 0.1, μ 0.9, Q from p = 1:
        // t1: g = 1,    v = 1,              p = 1 - 0.1 = 0.9
        // t2: g = 0.9,  v = 0.9 + 0.9 = 1.8,  p = 0.9 - 0.18 = 0.72
        // t3: g = 0.72, v = 1.62 + 0.72 = 2.34, p = 0.72 - 0.234 = 0.486
        var p = Param(1);
        Steps(new Sgd<double>([p], 0.1, momentum: 0.9), p, Quadratic, 3, [0.9, 0.72, 0.486]);
    }

    [Fact]
    public void SgdWithNesterovMomentum()
    {
        // lr 0.1, μ 0.9, Q from p = 1; step = g + μ v:
        // t1: g = 1,    v = 1,    step = 1 + 0.9 = 1.9,          p = 1 - 0.19 = 0.81
        // t2: g = 0.81, v = 1.71, step = 0.81 + 1.539 = 2.349,   p = 0.81 - 0.2349 = 0.5751
        var p = Param(1);
        Steps(new Sgd<double>([p], 0.1, momentum: 0.9, nesterov: true), p, Quadratic, 2, [0.81, 0.5751]);
    }

    [Fact]
    public void SgdWithWeightDecay()
    {
        // lr 0.1, wd 0.5, C (grad 2) from p = 1: g = 2 + 0.5 p.
        // t1: g = 2.5,   p = 1 - 0.25 = 0.75
        // t2: g = 2.375, p = 0.75 - 0.2375 = 0.5125
        var p = Param(1);
        Steps(new Sgd<double>([p], 0.1, weightDecay: 0.5), p, Linear, 2, [0.75, 0.5125]);
    }

    [Fact]
    public void AdamPyTorchEpsilon()
    {
        // C (grad g = 2): m_t = (1-β1^t) g and v_t = (1-β2^t) g², so m̂ = g and v̂ = g² at every t,
        // and each step is lr * g / (|g| + ε) = 0.1 * 2 / 2.1 with ε = 0.1.
        var p = Param(1);
        double step = 0.1 * 2 / 2.1;
        Steps(new Adam<double>([p], 0.1, epsilon: 0.1), p, Linear, 3, [1 - step, 1 - 2 * step, 1 - 3 * step]);
    }

    [Fact]
    public void AdamKerasEpsilon()
    {
        // C (grad g = 2), Keras form: step_t = lr_t * m_t / (sqrt(v_t) + ε) with lr_t = lr sqrt(1-β2^t) / (1-β1^t)
        // = lr * s_t g / (s_t |g| + ε), s_t = sqrt(1 - 0.999^t). With lr 0.1, ε 0.1:
        // t1: s = sqrt(0.001) = 0.0316228, step = 0.1 * 0.0632456 / 0.1632456 = 0.0387426
        // t2: s = sqrt(0.001999) = 0.0447102, step = 0.1 * 0.0894204 / 0.1894204 = 0.0472074
        double s1 = Math.Sqrt(1 - 0.999), s2 = Math.Sqrt(1 - 0.999 * 0.999);
        double step1 = 0.1 * s1 * 2 / (s1 * 2 + 0.1), step2 = 0.1 * s2 * 2 / (s2 * 2 + 0.1);
        Assert.Equal(0.0387426, step1, 6);
        var p = Param(1);
        Steps(new Adam<double>([p], 0.1, epsilon: 0.1, epsilonPlacement: AdamEpsilon.Keras), p, Linear, 2, [1 - step1, 1 - step1 - step2]);
    }

    [Fact]
    public void AdadeltaWithTheHomeworkSettings()
    {
        // lr 0.1, ρ 0.95, ε 1e-8, C (grad g = 2):
        // t1: E[g²] = 0.05 * 4 = 0.2;          Δ1 = sqrt(0 + ε) / sqrt(0.2 + ε) * 2;  E[Δ²] = 0.05 Δ1²
        // t2: E[g²] = 0.95 * 0.2 + 0.2 = 0.39; Δ2 = sqrt(0.05 Δ1² + ε) / sqrt(0.39 + ε) * 2
        double eps = 1e-8;
        double d1 = Math.Sqrt(eps) / Math.Sqrt(0.2 + eps) * 2;
        double d2 = Math.Sqrt(0.05 * d1 * d1 + eps) / Math.Sqrt(0.39 + eps) * 2;
        var p = Param(1);
        Steps(new Adadelta<double>([p], 0.1, 0.95, eps), p, Linear, 2, [1 - 0.1 * d1, 1 - 0.1 * d1 - 0.1 * d2]);
    }

    [Fact]
    public void AdadeltaPresetsNameEachFrameworksDefaults()
    {
        Assert.Equal(new Adadelta<float>.Settings(1.0, 0.9, 1e-6), Adadelta<float>.PyTorchDefaults);
        Assert.Equal(new Adadelta<float>.Settings(0.001, 0.95, 1e-7), Adadelta<float>.KerasDefaults);
        var opt = new Adadelta<float>([Tensor<float>.Zeros(1)], Adadelta<float>.PyTorchDefaults);
        Assert.Equal(0.9, opt.Rho);
    }

    [Fact]
    public void ParametersWithoutGradientsAreLeftAlone()
    {
        var a = Param(1); var b = Param(5);
        var opt = new Sgd<double>([a, b], 0.1);
        Quadratic(a).Backward();
        opt.Step();
        Assert.Equal(0.9, a.Item(), 12);
        Assert.Equal(5, b.Item());
    }

    [Fact]
    public void StateThatDecaysToNothingIsFlushedNotLeftSubnormal()
    {
        // A gradient that becomes zero (a dead unit) lets the momentum buffer decay by 0.9 per step; after
        // about 800 steps it would be subnormal, which x86 computes a hundred times slower.
        var p = Param(1);
        var sgd = new Sgd<double>([p], 0.1, momentum: 0.9);
        p.Grad = Tensor.FromArray(new[] { 1e-300 });
        for (int i = 0; i < 50; i++) sgd.Step();
        p.Grad = Tensor.FromArray(new[] { 0.0 });
        for (int i = 0; i < 2000; i++) sgd.Step();
        var velocity = sgd.GetState().Buffers.Single(b => b.Name == "momentum_buffer").Values;
        Assert.False(double.IsSubnormal(velocity[0]));
        Assert.Equal(0, velocity[0]);
    }
}
