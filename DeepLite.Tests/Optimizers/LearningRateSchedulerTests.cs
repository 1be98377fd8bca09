using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>The schedules give PyTorch's rates epoch by epoch, and a resumed schedule the rate of an uninterrupted one.</summary>
public class LearningRateSchedulerTests
{
    private static Sgd<double> Optimizer(double rate)
    {
        var w = Tensor<double>.Zeros(2); w.RequiresGrad = true;
        return new Sgd<double>([w], rate);
    }

    private static double[] Rates(LearningRateScheduler<double> schedule, int epochs)
    {
        var rates = new List<double> { schedule.Optimizer.LearningRate };
        for (int e = 0; e < epochs; e++) { schedule.Step(); rates.Add(schedule.Optimizer.LearningRate); }
        return [.. rates];
    }

    [Fact]
    public void StepLRMultipliesByGammaEveryStepSizeEpochs() =>
        Assert.Equal([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025], Rates(new StepLR<double>(Optimizer(0.1), stepSize: 3, gamma: 0.5), 7));

    [Fact]
    public void CosineAnnealingLRFollowsHalfACosine()
    {
        var rates = Rates(new CosineAnnealingLR<double>(Optimizer(1.0), epochs: 4, minimum: 0.0), 4);
        double[] expected = [1.0, 0.8535533905932737, 0.5, 0.14644660940672627, 0.0];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], rates[i], 12);
    }

    [Fact]
    public void LinearLRWarmsUpThenHolds()
    {
        var rates = Rates(new LinearLR<double>(Optimizer(0.3), startFactor: 1.0 / 3, endFactor: 1.0, epochs: 2), 3);
        double[] expected = [0.1, 0.2, 0.3, 0.3];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], rates[i], 12);
    }

    [Fact]
    public void AResumedScheduleHasTheRateOfAnUninterruptedOne()
    {
        // snippet-begin: lr-schedule
        var weights = Tensor<double>.Zeros(2);
        weights.RequiresGrad = true;
        var optimizer = new Sgd<double>([weights], learningRate: 0.5);
        var straight = new CosineAnnealingLR<double>(optimizer, epochs: 10, minimum: 0.01); // PyTorch: CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
        for (int e = 0; e < 7; e++) straight.Step(); // once at the end of each epoch
        // snippet-end
        var resumed = new CosineAnnealingLR<double>(Optimizer(0.5), epochs: 10, minimum: 0.01);
        resumed.StepTo(7);
        Assert.Equal(straight.Optimizer.LearningRate, resumed.Optimizer.LearningRate);
        Assert.Equal(7, resumed.Epoch);
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR<double>(Optimizer(0.1), stepSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR<double>(Optimizer(0.1), stepSize: 2, gamma: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR<double>(Optimizer(0.1), epochs: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR<double>(Optimizer(0.1), startFactor: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR<double>(Optimizer(0.1), 2).StepTo(-1));
    }
}
