using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>
/// RMSprop, Adagrad, parameter groups, the new schedules and clipping by value, each against PyTorch's rule written
/// element by element here (the optimizers run their vector and scalar forms: 37 elements leave a tail).
/// </summary>
public class NewOptimizerTests
{
    private const int Size = 37;

    private static Tensor<double> Parameter(int seed)
    {
        var p = Tensor<double>.Uniform(new Shape(Size), -1, 1, new SeededRandom(seed));
        p.RequiresGrad = true;
        return p;
    }

    private static double[] Gradient(int seed, int step) =>
        Tensor<double>.Uniform(new Shape(Size), -1, 1, new SeededRandom(seed * 100 + step)).ToArray();

    /// <summary>Runs <paramref name="steps"/> steps with known gradients; returns the parameter.</summary>
    private static double[] Run(Optimizer<double> optimizer, Tensor<double> p, int seed, int steps)
    {
        for (int t = 1; t <= steps; t++)
        {
            p.Grad = Tensor.FromArray(Gradient(seed, t));
            optimizer.Step();
        }
        return p.ToArray();
    }

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.0)]
    [InlineData(0.0, true, 0.1)]
    [InlineData(0.5, true, 0.01)]
    public void RmsPropIsPyTorchsRule(double momentum, bool centered, double wd)
    {
        const double lr = 0.01, alpha = 0.99, eps = 1e-8;
        var p = Parameter(1);
        var x = p.ToArray();
        var v = new double[Size]; var b = new double[Size]; var m = new double[Size];
        for (int t = 1; t <= 6; t++)
        {
            var g = Gradient(1, t);
            for (int i = 0; i < Size; i++)
            {
                double gi = g[i] + wd * x[i];
                v[i] = alpha * v[i] + (1 - alpha) * gi * gi;
                double avg;
                if (centered) { m[i] = alpha * m[i] + (1 - alpha) * gi; avg = Math.Sqrt(v[i] - m[i] * m[i]) + eps; }
                else avg = Math.Sqrt(v[i]) + eps;
                if (momentum > 0) { b[i] = momentum * b[i] + gi / avg; x[i] -= lr * b[i]; }
                else x[i] -= lr * gi / avg;
            }
        }
        var actual = Run(new RmsProp<double>([p], lr, alpha, eps, wd, momentum, centered), p, 1, 6);
        for (int i = 0; i < Size; i++) Assert.Equal(x[i], actual[i], 13);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.0)]
    [InlineData(0.1, 0.05, 0.2)]
    public void AdagradIsPyTorchsRule(double lrDecay, double wd, double initial)
    {
        const double lr = 0.05, eps = 1e-10;
        var p = Parameter(2);
        var x = p.ToArray();
        var s = Enumerable.Repeat(initial, Size).ToArray();
        for (int t = 1; t <= 6; t++)
        {
            var g = Gradient(2, t);
            double clr = lr / (1 + (t - 1) * lrDecay);
            for (int i = 0; i < Size; i++)
            {
                double gi = g[i] + wd * x[i];
                s[i] += gi * gi;
                x[i] -= clr * gi / (Math.Sqrt(s[i]) + eps);
            }
        }
        var actual = Run(new Adagrad<double>([p], lr, lrDecay, wd, initial, eps), p, 2, 6);
        for (int i = 0; i < Size; i++) Assert.Equal(x[i], actual[i], 13);
    }

    [Fact]
    public void ParameterGroupsTakeTheirOwnRateAndDecay()
    {
        // AdamW over two groups equals two AdamWs, one per group's settings.
        var (a1, b1, a2, b2) = (Parameter(3), Parameter(4), Parameter(3), Parameter(4));
        var grouped = new AdamW<double>([new ParameterGroup<double>([a1], weightDecay: 0.1), new ParameterGroup<double>([b1], learningRate: 0.01, weightDecay: 0)],
            learningRate: 1e-3, beta1: 0.9, beta2: 0.99);
        var first = new AdamW<double>([a2], 1e-3, 0.9, 0.99, weightDecay: 0.1);
        var second = new AdamW<double>([b2], 0.01, 0.9, 0.99, weightDecay: 0);
        for (int t = 1; t <= 4; t++)
        {
            a1.Grad = Tensor.FromArray(Gradient(3, t)); b1.Grad = Tensor.FromArray(Gradient(4, t));
            a2.Grad = Tensor.FromArray(Gradient(3, t)); b2.Grad = Tensor.FromArray(Gradient(4, t));
            grouped.Step(); first.Step(); second.Step();
        }
        Assert.Equal(a2.ToArray(), a1.ToArray());
        Assert.Equal(b2.ToArray(), b1.ToArray());
        Assert.Equal([0.1, 0.0], grouped.Groups.Select(g => g.WeightDecay));
        Assert.Equal([1e-3, 0.01], grouped.Groups.Select(g => g.LearningRate));
        // A parameter in two groups is refused, as PyTorch.
        Assert.Throws<ArgumentException>(() => new Sgd<double>([new ParameterGroup<double>([a1]), new ParameterGroup<double>([a1])], 0.1));
        // A schedule scales each group from its own rate.
        var schedule = new StepLR<double>(grouped, 1, 0.5);
        schedule.Step();
        Assert.Equal([5e-4, 0.005], grouped.Groups.Select(g => g.LearningRate));
    }

    [Fact]
    public void GroupRatesSurviveACheckpoint()
    {
        var model = new DeepLite.Layers.Dense<double>(3, 2, new SeededRandom(1));
        var sgd = new Sgd<double>([new ParameterGroup<double>([model.Weight], 0.1), new ParameterGroup<double>([model.Bias!], 0.02)], 0.5, momentum: 0.9);
        var path = Path.Combine(Path.GetTempPath(), $"deeplite-groups-{Guid.NewGuid():N}.safetensors");
        try
        {
            DeepLite.Serialization.Checkpoint.Save(path, model, sgd);
            var other = new Sgd<double>([new ParameterGroup<double>([model.Weight], 1), new ParameterGroup<double>([model.Bias!], 1)], 0.5, momentum: 0.9);
            DeepLite.Serialization.Checkpoint.Load(path, model, other);
            Assert.Equal([0.1, 0.02], other.Groups.Select(g => g.LearningRate));
        }
        finally { File.Delete(path); }
    }

    private static Sgd<double> MakeSgd(double lr = 1.0, double momentum = 0.9) => new([Parameter(5)], lr, momentum);

    [Fact]
    public void MultiStepAndExponential()
    {
        var o = MakeSgd(0.1);
        var multi = new MultiStepLR<double>(o, [2, 5], 0.1);
        Assert.Equal([0.1, 0.1, 0.01, 0.01, 0.01, 0.001], Enumerable.Range(0, 6).Select(e => Math.Round(multi.RateAt(e), 12)));
        var exp = new ExponentialLR<double>(MakeSgd(0.1), 0.5);
        Assert.Equal(0.025, exp.RateAt(2), 14);
        Assert.Throws<ArgumentException>(() => new MultiStepLR<double>(o, [5, 2]));
    }

    [Fact]
    public void OneCycleCyclesRateAndMomentumAsPyTorch()
    {
        var sgd = MakeSgd();
        var cycle = new OneCycleLR<double>(sgd, maxLearningRate: 0.1, totalSteps: 10);
        // Start: max / 25 with the largest momentum; top of the rise at step pct·total - 1 = 2; end: start / 1e4.
        Assert.Equal(0.004, sgd.LearningRate, 14); Assert.Equal(0.95, sgd.Momentum, 14);
        cycle.Step(); cycle.Step();
        Assert.Equal(0.1, sgd.LearningRate, 14); Assert.Equal(0.85, sgd.Momentum, 14);
        for (int i = 2; i < 9; i++) cycle.Step();
        Assert.Equal(4e-7, sgd.LearningRate, 14); Assert.Equal(0.95, sgd.Momentum, 14);
        cycle.Step(); // step 10 = total: allowed, as PyTorch's last_epoch check
        Assert.Throws<InvalidOperationException>(() => cycle.Step());
        var adam = new Adam<double>([Parameter(6)]);
        _ = new OneCycleLR<double>(adam, 0.01, 100);
        Assert.Equal(0.95, adam.Beta1, 14);
        Assert.Throws<ArgumentException>(() => new OneCycleLR<double>(new Adagrad<double>([Parameter(7)]), 0.1, 10));
        var linear = new OneCycleLR<double>(MakeSgd(), 0.1, 10, annealStrategy: AnnealStrategy.Linear, cycleMomentum: false);
        Assert.Equal(0.004 + (0.1 - 0.004) / 2, linear.RateAt(1), 14);
    }

    [Fact]
    public void WarmUpThenCosineAsNanoGpt()
    {
        var adam = new AdamW<double>([Parameter(8)], 1e-3);
        var warmUp = new LinearLR<double>(adam, startFactor: 0.01, endFactor: 1, epochs: 100);
        var cosine = new CosineAnnealingLR<double>(adam, epochs: 1900, minimum: 1e-4);
        var schedule = new SequentialLR<double>(adam, [warmUp, cosine], [100]);
        Assert.Equal(1e-5, adam.LearningRate, 15);
        Assert.Equal(1e-3 * (0.01 + 0.99 * 0.5), schedule.RateAt(50), 15);
        Assert.Equal(1e-3, schedule.RateAt(100), 15);
        Assert.Equal(1e-4 + (1e-3 - 1e-4) / 2, schedule.RateAt(1050), 15);
        Assert.Equal(1e-4, schedule.RateAt(2000), 15);
        schedule.StepTo(1050);
        Assert.Equal(1e-4 + (1e-3 - 1e-4) / 2, adam.LearningRate, 15);
        Assert.Throws<ArgumentException>(() => new SequentialLR<double>(adam, [warmUp, cosine], []));
        Assert.Throws<ArgumentException>(() => new SequentialLR<double>(adam, [warmUp, new StepLR<double>(MakeSgd(), 2)], [10]));
    }

    [Fact]
    public void ReduceOnPlateauWaitsForPatience()
    {
        var sgd = MakeSgd(1.0);
        var plateau = new ReduceLROnPlateau<double>(sgd, patience: 2, factor: 0.5, cooldown: 1, minLearningRate: 0.2);
        Assert.False(plateau.Step(1.0));                     // best
        Assert.False(plateau.Step(1.0)); Assert.False(plateau.Step(0.99995)); // within the relative threshold: bad
        Assert.True(plateau.Step(1.0));                      // 3 bad epochs > patience 2
        Assert.Equal(0.5, sgd.LearningRate);
        Assert.False(plateau.Step(2)); // cooldown
        Assert.False(plateau.Step(2)); Assert.False(plateau.Step(2));
        Assert.True(plateau.Step(2));
        Assert.Equal(0.25, sgd.LearningRate);
        for (int i = 0; i < 4; i++) plateau.Step(2);
        Assert.Equal(0.2, sgd.LearningRate); // not below the minimum
        var max = new ReduceLROnPlateau<double>(MakeSgd(1.0), PlateauMode.Max, patience: 0);
        Assert.False(max.Step(0.5)); Assert.False(max.Step(0.6)); Assert.True(max.Step(0.6));
    }

    [Fact]
    public void ClipByValueClampsEveryElement()
    {
        var p = Parameter(9);
        p.Grad = Tensor.FromArray(Enumerable.Range(0, Size).Select(i => (i - 18) / 6.0).ToArray());
        GradientClipping.ClipByValue([p], 1.0);
        Assert.All(p.Grad!.ToArray(), g => Assert.InRange(g, -1, 1));
        Assert.Equal(-1, p.Grad!.ToArray()[0]); Assert.Equal(0.5, p.Grad!.ToArray()[21], 14);
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByValue([p], -1));
    }

    [Fact]
    public void ClipByNormScalesAtEqualityAsPyTorch()
    {
        var p = Parameter(10);
        p.Grad = Tensor.FromArray(Enumerable.Repeat(0.0, Size - 1).Append(2.0).ToArray());
        GradientClipping.ClipByNorm([p], 2.0);
        Assert.Equal(2.0 * 2.0 / (2.0 + 1e-6), p.Grad!.ToArray()[^1], 15);
    }
}
