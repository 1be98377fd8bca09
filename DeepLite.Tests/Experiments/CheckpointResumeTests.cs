using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>A training run killed mid-way resumes from its checkpoint and ends with exactly the numbers of an uninterrupted run.</summary>
public class CheckpointResumeTests
{
    /// <summary>Cancels once any run reports epoch <paramref name="epoch"/>.</summary>
    private sealed class CancelAtEpoch(int epoch, CancellationTokenSource source) : IExperimentProgress
    {
        public List<(string Run, int Epoch)> Epochs { get; } = [];
        public void RunStarted(string experiment, string run, int epochs, bool cached) { }
        public void Epoch(string run, int e, int epochs, double loss, double? accuracy)
        {
            Epochs.Add((run, e));
            if (e == epoch) source.Cancel();
        }
        public void RunFinished(string run) { }
        public List<string> Messages { get; } = [];
        public void Message(string text) => Messages.Add(text);
        public List<(string Run, int Epoch)> Resumes { get; } = [];
        public void Resumed(string run, int epochsDone) => Resumes.Add((run, epochsDone));
    }

    private static List<(string Run, int Epoch)> _lastResumes = [];

    private static string Interrupted(IExperiment experiment, object settings, string root, out List<(string Run, int Epoch)> resumedEpochs)
    {
        var cancel = new CancellationTokenSource();
        var first = new ExperimentContext { OutputRoot = root, Data = Synthetic, CheckpointInterval = TimeSpan.Zero, Cancellation = cancel.Token, Progress = new CancelAtEpoch(2, cancel), Configuration = new() { Seed = 3, SettingsOverride = settings } };
        Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(experiment, first));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(first.Store.Folder(experiment), "runs"), "*.checkpoint.safetensors"));

        var progress = new CancelAtEpoch(-1, new CancellationTokenSource());
        var second = new ExperimentContext { OutputRoot = root, Data = Synthetic, CheckpointInterval = TimeSpan.Zero, Progress = progress, Configuration = new() { Seed = 3, SettingsOverride = settings } };
        ExperimentRunner.Run(experiment, second);
        resumedEpochs = progress.Epochs;
        _lastResumes = progress.Resumes;
        Assert.Empty(Directory.GetFiles(Path.Combine(second.Store.Folder(experiment), "runs"), "*.checkpoint.safetensors"));
        return ResultsCsv(experiment, second);
    }

    private static string Uninterrupted(IExperiment experiment, object settings, string root)
    {
        var context = new ExperimentContext { OutputRoot = root, Data = Synthetic, Configuration = new() { Seed = 3, SettingsOverride = settings } };
        ExperimentRunner.Run(experiment, context);
        return ResultsCsv(experiment, context);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void ACnnRunResumesBitForBit()
    {
        using var a = new Data.Fixtures();
        using var b = new Data.Fixtures();
        var settings = new CnnTraining.Settings(["mnist"], TrainPerClass: [0], Epochs: 4, BatchSize: 8, TestCount: 0, new("Adadelta", 0.1, 1e-8, Rho: 0.95), Standardize: false);
        var resumed = Interrupted(new CnnTraining(), settings, a.Folder, out var epochs);
        // The interrupted run saved after epoch 2, so the second start trains its epochs 3 and 4 only.
        Assert.Equal([3, 4], epochs.Where(e => e.Run == epochs[0].Run).Select(e => e.Epoch));
        // ...and says so (the ETA of the console's progress counts from there).
        Assert.Contains((epochs[0].Run, 2), _lastResumes);
        Assert.Equal(Uninterrupted(new CnnTraining(), settings, b.Folder), resumed);
    }

    [Fact]
    public void AnMlpRunResumesWithItsEarlierPoints()
    {
        using var a = new Data.Fixtures();
        using var b = new Data.Fixtures();
        var settings = new RandomLabels.Settings(Epochs: 4, BatchSize: 10, TrainPerClass: 0, TestCount: 0, 0.01, 0.9);
        var resumed = Interrupted(new RandomLabels(), settings, a.Folder, out var epochs);
        Assert.Equal([3, 4], epochs.Select(e => e.Epoch));
        var expected = Uninterrupted(new RandomLabels(), settings, b.Folder);
        Assert.Equal(expected, resumed);
        Assert.Equal(16, Measurement.FromCsv(resumed, "csv").Count);
        // The unit's record counts both attempts: its seconds are the first attempt's (up to its checkpoint) plus the
        // second's, more than the second attempt's own span.
        var record = System.Text.Json.JsonSerializer.Deserialize<RunRecord>(
            File.ReadAllText(Assert.Single(Directory.GetFiles(Path.Combine(a.Folder, new RandomLabels().Id, "runs"), "*.json"))), Json.Options)!;
        Assert.Equal(2, record.Attempts);
        Assert.True(record.Seconds > (record.Ended - record.Started).TotalSeconds, $"{record.Seconds} s recorded, the last attempt alone took {(record.Ended - record.Started).TotalSeconds} s");
    }

    [Fact]
    public void StoredRunsAndCheckpointsFromOtherSettingsAreNotReused()
    {
        using var a = new Data.Fixtures();
        var two = new RandomLabels.Settings(Epochs: 2, BatchSize: 10, TrainPerClass: 0, TestCount: 0, 0.01, 0.9);
        var three = two with { Epochs = 3 };
        Uninterrupted(new RandomLabels(), two, a.Folder);
        var redone = Measurement.FromCsv(Uninterrupted(new RandomLabels(), three, a.Folder), "csv");
        Assert.Equal(12, redone.Count); // three epochs, not the two stored ones read back

        // A checkpoint left by a run with other settings is ignored, not resumed.
        var cancel = new CancellationTokenSource();
        var context = new ExperimentContext { OutputRoot = a.Folder, Data = Synthetic, CheckpointInterval = TimeSpan.Zero, Cancellation = cancel.Token, Progress = new CancelAtEpoch(2, cancel), Fresh = true, Configuration = new() { Seed = 3, SettingsOverride = two with { Epochs = 4 } } };
        Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(new RandomLabels(), context));
        var progress = new CancelAtEpoch(-1, new CancellationTokenSource());
        ExperimentRunner.Run(new RandomLabels(), new ExperimentContext { OutputRoot = a.Folder, Data = Synthetic, Progress = progress, Fresh = true, Configuration = new() { Seed = 3, SettingsOverride = three with { LearningRate = 0.02 } } });
        Assert.Equal([1, 2, 3], progress.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void ADamagedCheckpointIsReportedDeletedAndTheRunStartsAgain()
    {
        using var clean = new Data.Fixtures();
        using var damaged = new Data.Fixtures();
        var two = new RandomLabels.Settings(Epochs: 2, BatchSize: 10, TrainPerClass: 0, TestCount: 0, 0.01, 0.9);
        var expected = Uninterrupted(new RandomLabels(), two, clean.Folder);

        // A run killed after its first checkpoint, whose checkpoint is then cut in half (a disk or a copy gone wrong).
        var cancel = new CancellationTokenSource();
        var first = new ExperimentContext { OutputRoot = damaged.Folder, Data = Synthetic, CheckpointInterval = TimeSpan.Zero, Cancellation = cancel.Token, Progress = new CancelAtEpoch(1, cancel), Configuration = new() { Seed = 3, SettingsOverride = two } };
        Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(new RandomLabels(), first));
        var checkpoint = Directory.GetFiles(Path.Combine(damaged.Folder, "hw1-3-1", "runs"), "*.checkpoint.safetensors").Single();
        var bytes = File.ReadAllBytes(checkpoint);
        File.WriteAllBytes(checkpoint, bytes[..(bytes.Length / 2)]);

        var progress = new CancelAtEpoch(-1, new CancellationTokenSource());
        var second = new ExperimentContext { OutputRoot = damaged.Folder, Data = Synthetic, Progress = progress, Configuration = new() { Seed = 3, SettingsOverride = two } };
        ExperimentRunner.Run(new RandomLabels(), second);
        Assert.Contains(progress.Messages, m => m.Contains("checkpoint") && m.Contains("unreadable") && m.Contains("first epoch"));
        Assert.Empty(progress.Resumes);
        Assert.Equal([1, 2], progress.Epochs.Select(e => e.Epoch));
        Assert.Equal(expected, ResultsCsv(new RandomLabels(), second)); // the same numbers as a run never interrupted
    }
}
