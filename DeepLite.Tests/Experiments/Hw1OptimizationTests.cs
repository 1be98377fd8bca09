using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>The HW1-2 experiments end to end on tiny data.</summary>
public class Hw1OptimizationTests
{
    private static ExperimentContext Context(string root, object settings) => new() { OutputRoot = root, Data = Synthetic, Configuration = new() { Seed = 3, SettingsOverride = settings } };

    [Fact]
    public void TrajectoriesAreProjectedByOneJointPca()
    {
        using var fx = new Data.Fixtures();
        var experiment = new TrainingTrajectories();
        var context = Context(fx.Folder, new TrainingTrajectories.Settings(Runs: 3, Epochs: 4, SnapshotEvery: 2, BatchSize: 10, TrainPerClass: 0, 0.01, 0.9));
        ExperimentRunner.Run(experiment, context);
        AssertChartsAndCsv(experiment, context);
        var points = Results(experiment, context);
        // 3 runs x 2 snapshots, each projected once for the first layer and once for the whole model.
        Assert.Equal(6, points.Count(p => p.Metric == "pc1" && p.Run.StartsWith("pca-whole-model/")));
        Assert.Equal(6, points.Count(p => p.Metric == "snapshot_accuracy"));
        // Resume: snapshots are read back, the charts are redrawn identically.
        var before = ResultsCsv(experiment, context);
        ExperimentRunner.Run(experiment, context);
        Assert.Equal(before, ResultsCsv(experiment, context));
    }

    [Fact]
    public void GradientNormIsRecordedEveryIteration()
    {
        using var fx = new Data.Fixtures();
        var experiment = new GradientNormTraining();
        var context = Context(fx.Folder, new GradientNormTraining.Settings(Epochs: 2, BatchSize: 10, TrainPerClass: 0, 0.01, 0.9));
        ExperimentRunner.Run(experiment, context);
        AssertChartsAndCsv(experiment, context);
        var points = Results(experiment, context);
        Assert.Equal(6, points.Count(p => p.Metric == "gradient_norm"));
        Assert.All(points.Where(p => p.Metric == "gradient_norm"), p => Assert.True(p.Value > 0));
    }

    [Fact]
    public void MinimalRatioComesFromTheHessianAndTheSamplingEstimateIsKept()
    {
        using var fx = new Data.Fixtures();
        var experiment = new MinimalRatio();
        var context = Context(fx.Folder, new MinimalRatio.Settings(Runs: 3, [1, 4, 1], Points: 20, FitSteps: 50, GradientSteps: 50, GradientThreshold: 1e-3,
            EigenvalueTolerance: 1e-6, Samples: 20, SampleRadius: 1e-2, SpectrumRuns: 2));
        ExperimentRunner.Run(experiment, context);
        AssertChartsAndCsv(experiment, context);
        var points = Results(experiment, context);
        Assert.Equal(3, points.Count(p => p.Metric == "minimal_ratio"));
        Assert.All(points.Where(p => p.Metric is "minimal_ratio" or "sampled_ratio"), p => Assert.InRange(p.Value, 0, 1));
        // 1-4-1 has 13 parameters: 13 eigenvalues for each of the first two runs.
        Assert.Equal(26, points.Count(p => p.Metric == "eigenvalue"));
    }
}
