using DeepLite.Data;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// What a running unit sees: the <see cref="Configuration"/> (preset, seed, settings), the <see cref="Store"/> its results
/// and checkpoints go to, how to get data, progress, cancellation and the checkpoint interval. A finished unit's
/// points are read back instead of recomputed (unless <see cref="Fresh"/>), and a unit killed while training resumes
/// from its <see cref="RunCheckpoint"/>.
/// </summary>
public sealed class ExperimentContext
{
    private RunStore? _store;
    private readonly Dictionary<string, object> _shared = [];

    /// <summary>The results root; each experiment writes into its own sub-folder.</summary>
    public required string OutputRoot { get; init; }
    /// <summary>Preset, seed and settings: what fixes the results.</summary>
    public RunConfiguration Configuration { get; init; } = new();
    /// <summary>Redo finished units instead of reading them back.</summary>
    public bool Fresh { get; init; }
    /// <summary>Stops the work between (and inside) units.</summary>
    public CancellationToken Cancellation { get; init; }
    /// <summary>Progress sink.</summary>
    public IExperimentProgress Progress { get; init; } = new SilentProgress();
    /// <summary>Supplies datasets by name (the data store by default; tests pass small synthetic ones).</summary>
    public Func<string, DatasetSplits> Data { get; init; } = DataStore.Get;
    /// <summary>The least time between two checkpoints of a training run (zero: after every epoch).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Measures the experiment's peak memory for its manifest (null: not measured).</summary>
    public MemoryMonitor? Memory { get; init; }

    /// <summary>The results folder's files for <see cref="Configuration"/>.</summary>
    public RunStore Store => _store ??= new RunStore(OutputRoot, Configuration);

    /// <summary>How many units this context computed (not read back from earlier results).</summary>
    public int RunsComputed { get; private set; }

    /// <summary>The preset (of <see cref="Configuration"/>).</summary>
    public Preset Preset => Configuration.Preset;
    /// <summary>The master seed (of <see cref="Configuration"/>).</summary>
    public long Seed => Configuration.Seed;

    /// <summary>The settings in force for <paramref name="experiment"/>.</summary>
    public T SettingsFor<T>(IExperiment experiment) where T : class => Configuration.SettingsFor<T>(experiment);

    /// <summary>
    /// A dataset's splits cut to a preset's size: a seeded sample of <paramref name="trainPerClass"/> training images per
    /// class and the first <paramref name="testCount"/> test images (0 keeps a split whole). Made once per context: the
    /// units of one experiment share it.
    /// </summary>
    public (ImageDataset Train, ImageDataset Test, DatasetSplits All) Subsets(string dataset, int trainPerClass, int testCount) =>
        Shared($"subsets {dataset} {trainPerClass} {testCount}", () =>
        {
            var splits = Data(dataset);
            var train = trainPerClass > 0 ? splits.Train.SamplePerClass(trainPerClass, Seed) : splits.Train;
            var test = testCount > 0 ? splits.Test.Take(Math.Min(testCount, splits.Test.Count)) : splits.Test;
            return (train, test, splits);
        });

    /// <summary>
    /// What <paramref name="make"/> returns, made once per context under <paramref name="key"/>: data the units of one
    /// experiment share (a subset, probe tensors), made by the first unit that needs it.
    /// </summary>
    public T Shared<T>(string key, Func<T> make)
    {
        if (_shared.TryGetValue(key, out var made)) return (T)made;
        var value = make();
        _shared[key] = value!;
        return value;
    }

    /// <summary>The training checkpoint of unit <paramref name="runId"/> (see <see cref="RunCheckpoint"/>).</summary>
    public RunCheckpoint Checkpoint(IExperiment experiment, string runId) =>
        new(Store.CheckpointPath(experiment, runId), CheckpointInterval, Configuration.RunKey(experiment, runId), Progress, runId);

    /// <summary>
    /// Returns the points of <paramref name="unit"/>: read back when it finished before, else computed by its training
    /// (with its seed) and stored atomically, together with its timing. Null when another console on the same folder is
    /// training it now (its <see cref="UnitClaim"/>): the unit is left to it, and the assembly waits for its results.
    /// </summary>
    public IReadOnlyList<Measurement>? RunOnce(IExperiment experiment, RunUnit unit)
    {
        Cancellation.ThrowIfCancellationRequested();
        if (!Fresh && Store.Stored(experiment, unit.Id, Progress.Message) is { } cached)
        {
            Progress.RunStarted(experiment.Id, unit.Id, unit.Epochs, cached: true);
            Progress.RunFinished(unit.Id);
            return cached;
        }
        using var claim = UnitClaim.TryTake(Store.ClaimPath(experiment, unit.Id), out var holder);
        if (claim is null)
        {
            Progress.Message($"{experiment.Id} {unit.Id}: another console is training it ({holder}); left to it");
            return null;
        }
        // Claimed: a console that finished it between our look and our claim has stored it.
        if (!Fresh && Store.Stored(experiment, unit.Id) is { } justStored) return justStored;
        Progress.RunStarted(experiment.Id, unit.Id, unit.Epochs, cached: false);
        var started = DateTimeOffset.UtcNow;
        var earlier = RunCheckpoint.Earlier(Store.CheckpointPath(experiment, unit.Id), Configuration.RunKey(experiment, unit.Id));
        RunsComputed++;
        var points = unit.Train(this, Configuration.RunSeed(unit.Id));
        Store.Store(experiment, unit.Id, points, started, DateTimeOffset.UtcNow, earlier, Memory?.Peaks());
        Progress.RunFinished(unit.Id);
        return points;
    }
}

/// <summary>Shared JSON settings.</summary>
public static class Json
{
    /// <summary>Indented, camel-case, enums as strings.</summary>
    public static System.Text.Json.JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>As <see cref="Options"/>, on one line (a setting's value in a message or a fingerprint).</summary>
    public static System.Text.Json.JsonSerializerOptions Compact { get; } = new(Options) { WriteIndented = false };
}
