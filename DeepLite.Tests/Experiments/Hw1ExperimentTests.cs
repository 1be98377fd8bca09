using System.Text.Json;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>Each HW1-1 experiment end to end on tiny data, and a kill-and-resume that reproduces the uninterrupted files.</summary>
public class Hw1ExperimentTests
{
    private static readonly FunctionSimulation.Settings TinyFunctions = new(Points: 32, Epochs: 3, BatchSize: 8, LearningRate: 1e-2, CurvePoints: 20, ["sinc-5", "sign-sin-5"]);
    private static readonly CnnTraining.Settings TinyCnns = new(["mnist", "cifar10"], TrainPerClass: [0, 0], Epochs: 2, BatchSize: 8, TestCount: 0, new("Adadelta", 0.1, 1e-8, Rho: 0.95), Standardize: false);

    private static ExperimentContext Context(string root, object settings, CancellationToken token = default, IExperimentProgress? progress = null) => new()
    {
        OutputRoot = root, Data = Synthetic, Cancellation = token, Progress = progress ?? new SilentProgress(), Configuration = new() { Seed = 5, SettingsOverride = settings }
    };

    [Fact]
    public void FunctionSimulationWritesEveryChartAndItsNumbers()
    {
        using var fx = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        var context = Context(fx.Folder, TinyFunctions);
        ExperimentRunner.Run(experiment, context);
        var folder = context.Store.Folder(experiment);
        foreach (var id in TinyFunctions.Functions)
        {
            AssertValidPng(Path.Combine(folder, $"loss-{id}.png"));
            AssertValidSvg(Path.Combine(folder, $"fit-{id}.svg"));
        }
        var points = Results(experiment, context);
        Assert.Equal(2 * 3 * 3, points.Count(p => p.Metric == "train_loss"));
        Assert.Equal(new[] { 841.0, 836, 866 }, points.Where(p => p.Metric == "parameter_count" && p.Run.StartsWith("sinc-5/")).Select(p => p.Value));
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json"))).RootElement;
        Assert.Equal(841, manifest.GetProperty("parameterCounts").GetProperty("shallow 1-280-1").GetInt64());
        Assert.Equal(6, manifest.GetProperty("runs").GetArrayLength());
    }

    /// <summary>Both presets' kinds of training: the report's (Adadelta on x / 255) and the quick preset's (Adam on standardized pixels, which the test evaluation must standardize alike or Evaluate refuses).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    [Trait("Category", "Slow")]
    public void CnnTrainingWritesEveryChartAndTestMetrics(bool quickKind)
    {
        using var fx = new Data.Fixtures();
        var experiment = new CnnTraining();
        var settings = quickKind ? TinyCnns with { Optimizer = new("Adam", 1e-3, 1e-8), Standardize = true, TrainPerClass = [3, 2] } : TinyCnns;
        var context = Context(fx.Folder, settings);
        ExperimentRunner.Run(experiment, context);
        AssertChartsAndCsv(experiment, context);
        var points = Results(experiment, context);
        Assert.Equal(2 * 3 * 2, points.Count(p => p.Metric == "test_accuracy"));
        Assert.Contains(points, p => p.Run == "cifar10/CNN 1 hidden" && p.Metric == "parameter_count" && p.Value == 1_583_866);
        Assert.Contains(points, p => p.Run == "cifar10/CNN 4 hidden" && p.Metric == "parameter_count" && p.Value == 1_554_026);
    }

    [Fact]
    public void AKilledRunResumesToTheSameFiles()
    {
        using var fx = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        var straight = Context(Path.Combine(fx.Folder, "straight"), TinyFunctions);
        ExperimentRunner.Run(experiment, straight);

        var resumedRoot = Path.Combine(fx.Folder, "resumed");
        using (var cancel = new CancellationTokenSource())
        {
            var first = new CancelAfterRuns(2, cancel);
            Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(experiment, Context(resumedRoot, TinyFunctions, cancel.Token, first)));
        }
        var second = new CancelAfterRuns(int.MaxValue, new CancellationTokenSource());
        ExperimentRunner.Run(experiment, Context(resumedRoot, TinyFunctions, progress: second));
        Assert.Equal(2, second.Started.Count(s => s.Cached));
        Assert.Equal(4, second.Started.Count(s => !s.Cached));

        var a = Path.Combine(straight.OutputRoot, experiment.Id);
        var b = Path.Combine(resumedRoot, experiment.Id);
        Assert.Equal(File.ReadAllText(Path.Combine(a, "results.csv")), File.ReadAllText(Path.Combine(b, "results.csv")));
        foreach (var run in Directory.GetFiles(Path.Combine(a, "runs"), "*.csv"))
            Assert.Equal(File.ReadAllText(run), File.ReadAllText(Path.Combine(b, "runs", Path.GetFileName(run))));
    }

    [Fact]
    public void FreshRedoesFinishedRuns()
    {
        using var fx = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        var settings = TinyFunctions with { Functions = ["sinc-5"] };
        ExperimentRunner.Run(experiment, Context(fx.Folder, settings));
        var progress = new CancelAfterRuns(int.MaxValue, new CancellationTokenSource());
        var fresh = new ExperimentContext { OutputRoot = fx.Folder, Fresh = true, Progress = progress, Configuration = new() { Seed = 5, SettingsOverride = settings } };
        fresh.Store.ClearRuns(experiment);
        ExperimentRunner.Run(experiment, fresh);
        Assert.All(progress.Started, s => Assert.False(s.Cached));
    }
}
