using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>The HW1-3 experiments end to end on tiny data.</summary>
public class Hw1GeneralizationTests
{
    private static ExperimentContext Context(string root, object settings) => new() { OutputRoot = root, Data = Synthetic, Configuration = new() { Seed = 2, SettingsOverride = settings } };

    private static List<Measurement> Run(IExperiment experiment, object settings, string root)
    {
        var context = Context(root, settings);
        ExperimentRunner.Run(experiment, context);
        AssertChartsAndCsv(experiment, context);
        return Results(experiment, context);
    }

    [Fact]
    public void RandomLabelsTrainOnPermutedLabelsAndTestOnTrueOnes()
    {
        using var fx = new Data.Fixtures();
        var points = Run(new RandomLabels(), new RandomLabels.Settings(Epochs: 3, BatchSize: 10, TrainPerClass: 0, TestCount: 0, 0.01, 0.9), fx.Folder);
        Assert.Equal(3, points.Count(p => p.Metric == "test_accuracy"));
    }

    [Fact]
    public void ParameterCountsAreTheXAxis()
    {
        using var fx = new Data.Fixtures();
        var points = Run(new ParametersVsGeneralization(), new ParametersVsGeneralization.Settings([[16, 8], [32, 8]], Epochs: 1, BatchSize: 10, TrainPerClass: 0, TestCount: 0, 0.01, 0.9), fx.Folder);
        Assert.Equal(new[] { 784 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10.0, 784 * 32 + 32 + 32 * 8 + 8 + 90 }, points.Where(p => p.Metric == "test_loss").Select(p => p.X));
    }

    [Fact]
    public void InterpolationCoversAlphaFromMinusOneToTwo()
    {
        using var fx = new Data.Fixtures();
        var points = Run(new FlatnessInterpolation(), new FlatnessInterpolation.Settings(4, 16, Epochs: 1, TrainPerClass: 0, TestCount: 0, Alphas: 7, 0.1, 0.95, 1e-8), fx.Folder);
        Assert.Equal(new[] { -1, -0.5, 0, 0.5, 1, 1.5, 2 }, points.Where(p => p.Metric == "train_loss").Select(p => Math.Round(p.X, 9)));
    }

    [Fact]
    public void SensitivityAndSharpnessForEveryBatchSize()
    {
        using var fx = new Data.Fixtures();
        var points = Run(new FlatnessSensitivity(), new FlatnessSensitivity.Settings([4, 16], Epochs: 1, TrainPerClass: 0, TestCount: 0, SensitivitySamples: 5, 1e-3, [1e-3], 3, 2, 10), fx.Folder);
        Assert.Equal(2, points.Count(p => p.Metric == "sensitivity_jacobian"));
        Assert.Equal(2, points.Count(p => p.Metric == "sharpness_eps_0.001"));
        Assert.All(points.Where(p => p.Metric.StartsWith("sharpness_eps")), p => Assert.True(p.Value >= 0));
    }
}
