using System.Text.Json;
using DeepLite.Data;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Everything an experiment needs from its caller: where results go, the preset and seed, how to get
/// data, progress and cancellation. It also makes runs resumable: a finished run's points are stored
/// in <c>runs/</c> and read back instead of recomputed (unless <see cref="Fresh"/>), and a run killed while
/// training resumes from its <see cref="RunCheckpoint"/>.
/// </summary>
public sealed class ExperimentContext
{
    /// <summary>The results root; each experiment writes into its own sub-folder.</summary>
    public required string OutputRoot { get; init; }
    /// <summary>The preset.</summary>
    public Preset Preset { get; init; } = Preset.Quick;
    /// <summary>The master seed; each run derives its own from it and the run's id.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Redo finished runs instead of reading them back.</summary>
    public bool Fresh { get; init; }
    /// <summary>Stops the work between (and inside) runs.</summary>
    public CancellationToken Cancellation { get; init; }
    /// <summary>Progress sink.</summary>
    public IExperimentProgress Progress { get; init; } = new SilentProgress();
    /// <summary>Supplies datasets by name (the data store by default; tests pass small synthetic ones).</summary>
    public Func<string, DatasetSplits> Data { get; init; } = DataStore.Get;
    /// <summary>The least time between two checkpoints of a training run (zero: after every epoch).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How many runs this context computed (not read back from earlier results).</summary>
    public int RunsComputed { get; private set; }

    /// <summary>Measures the experiment's peak memory for its manifest (null: not measured).</summary>
    public MemoryMonitor? Memory { get; init; }
    /// <summary>Overrides the preset's settings (tests use tiny ones); null keeps the preset's.</summary>
    public object? SettingsOverride { get; init; }

    /// <summary>The settings in force for <paramref name="experiment"/>.</summary>
    public T SettingsFor<T>(IExperiment experiment) where T : class => SettingsOverride as T ?? (T)experiment.PresetSettings(Preset);

    /// <summary>
    /// A dataset's splits cut to a preset's size: a seeded sample of <paramref name="trainPerClass"/> training
    /// images per class and the first <paramref name="testCount"/> test images (0 keeps a split whole).
    /// </summary>
    public (ImageDataset Train, ImageDataset Test, DatasetSplits All) Subsets(string dataset, int trainPerClass, int testCount)
    {
        var splits = Data(dataset);
        var train = trainPerClass > 0 ? splits.Train.SamplePerClass(trainPerClass, Seed) : splits.Train;
        var test = testCount > 0 ? splits.Test.Take(Math.Min(testCount, splits.Test.Count)) : splits.Test;
        return (train, test, splits);
    }

    /// <summary>The experiment's result folder.</summary>
    public string Folder(IExperiment experiment) => Path.Combine(OutputRoot, experiment.Id);

    /// <summary>A seed for one run, fixed by the master seed and the run's id.</summary>
    public long RunSeed(string runId)
    {
        // FNV-1a over the id, mixed with the master seed: stable across processes and platforms.
        ulong h = 14695981039346656037UL ^ (ulong)Seed;
        foreach (char c in runId) { h ^= c; h *= 1099511628211UL; }
        return (long)(h & long.MaxValue);
    }

    /// <summary>
    /// Returns the points of run <paramref name="runId"/>: read back when it finished before, else computed
    /// by <paramref name="body"/> (with its seed) and stored atomically, together with its timing.
    /// </summary>
    public IReadOnlyList<Point> RunOnce(IExperiment experiment, string runId, int epochs, Func<long, IReadOnlyList<Point>> body)
    {
        Cancellation.ThrowIfCancellationRequested();
        if (!Fresh && Stored(experiment, runId, report: true) is { } cached)
        {
            Progress.RunStarted(experiment.Id, runId, epochs, cached: true);
            Progress.RunFinished(runId);
            return cached;
        }
        Progress.RunStarted(experiment.Id, runId, epochs, cached: false);
        var started = DateTimeOffset.UtcNow;
        RunsComputed++;
        var points = body(RunSeed(runId));
        var ended = DateTimeOffset.UtcNow;
        // The CSV first, the record last: a run counts as finished only when both exist.
        AtomicFile.WriteAllText(RunFile(experiment, runId, ".csv"), Point.ToCsv(points));
        AtomicFile.WriteAllText(RunFile(experiment, runId, ".json"), JsonSerializer.Serialize(
            new RunRecord(runId, RunSeed(runId), started, ended, (ended - started).TotalSeconds, RunKey(experiment, runId), Environment.MachineName), Json.Options));
        File.Delete(RunFile(experiment, runId, CheckpointSuffix));
        Progress.RunFinished(runId);
        return points;
    }

    /// <summary>
    /// The stored points of run <paramref name="runId"/>, or null when it has none made with this seed and these
    /// settings (another preset, or settings changed in the code, write to the same folder) or they are unreadable.
    /// With <paramref name="report"/>, says why stored results are not used.
    /// </summary>
    public IReadOnlyList<Point>? Stored(IExperiment experiment, string runId, bool report = false)
    {
        var csv = RunFile(experiment, runId, ".csv");
        var meta = RunFile(experiment, runId, ".json");
        if (!File.Exists(csv) || !File.Exists(meta)) return null;
        if (StoredRecord(experiment, runId) is null)
        {
            if (report) Progress.Message($"{runId}: stored with another seed or other settings; running it again");
            return null;
        }
        try { return Point.FromCsv(File.ReadAllText(csv), csv); }
        catch (InvalidDataException e)
        {
            if (report) Progress.Message($"{runId}: its stored results are unreadable ({e.Message}); running it again");
            return null;
        }
    }

    /// <summary>
    /// The record (timing, host) of run <paramref name="runId"/> when it is stored with this seed and these settings, else
    /// null (no record, another key, or an unreadable one: the run is then done again and the file replaced).
    /// </summary>
    public RunRecord? StoredRecord(IExperiment experiment, string runId)
    {
        var meta = RunFile(experiment, runId, ".json");
        if (!File.Exists(meta)) return null;
        try
        {
            var record = JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(meta), Json.Options);
            return record?.Key == RunKey(experiment, runId) ? record : null;
        }
        catch (JsonException) { return null; }
    }

    private const string CheckpointSuffix = ".checkpoint.safetensors";

    private string RunFile(IExperiment experiment, string runId, string suffix)
    {
        var safe = string.Concat(runId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(Folder(experiment), "runs", safe + suffix);
    }

    /// <summary>The training checkpoint of run <paramref name="runId"/> (see <see cref="RunCheckpoint"/>).</summary>
    public RunCheckpoint Checkpoint(IExperiment experiment, string runId) =>
        new(RunFile(experiment, runId, CheckpointSuffix), CheckpointInterval, RunKey(experiment, runId), Progress, runId);

    /// <summary>What a stored run or checkpoint must have been made with to be reused: the run's seed and a hash of the settings in force.</summary>
    public string RunKey(IExperiment experiment, string runId) => $"seed {RunSeed(runId)}, settings {SettingsHash(experiment)}";

    /// <summary>The first 16 hex digits of the SHA-256 of the settings in force, as JSON.</summary>
    private string SettingsHash(IExperiment experiment)
    {
        var settings = SettingsOverride ?? experiment.PresetSettings(Preset);
        var json = JsonSerializer.Serialize(settings, settings.GetType(), Json.Options);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..16];
    }

    /// <summary>
    /// What the experiment's folder holds results of: seed, preset and a hash of the settings. A folder belongs to
    /// one fingerprint (see <see cref="ClaimFolder"/>); shards of one sweep share it.
    /// </summary>
    public string Fingerprint(IExperiment experiment) => $"seed {Seed}, preset {Preset.ToString().ToLowerInvariant()}, settings {SettingsHash(experiment)}";

    /// <summary>
    /// Makes the experiment's folder this run's, before any work: an empty folder is claimed (atomically, so of two
    /// consoles started at once one wins), one with the same fingerprint is shared, and one holding results of
    /// other settings is refused with an explanation, unless <see cref="Fresh"/> replaces them. Two consoles with
    /// seeds 1 and 2 in one --out used to both succeed, leaving a results.csv of one seed over runs of both.
    /// </summary>
    public void ClaimFolder(IExperiment experiment)
    {
        var folder = Folder(experiment);
        Directory.CreateDirectory(folder);
        var owner = Path.Combine(folder, OwnerFile);
        var mine = Fingerprint(experiment);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (!File.Exists(owner))
            {
                var temp = AtomicFile.TemporaryName(folder, OwnerFile);
                File.WriteAllText(temp, mine);
                try { File.Move(temp, owner, overwrite: false); return; }
                catch (IOException) when (File.Exists(owner)) { } // another console claimed it first: compare below
                finally { if (File.Exists(temp)) File.Delete(temp); }
            }
            string theirs;
            try { theirs = File.ReadAllText(owner).Trim(); }
            catch (FileNotFoundException) { continue; }
            if (theirs == mine) return;
            if (Fresh)
            {
                ClearRuns(experiment);
                AtomicFile.WriteAllText(owner, mine);
                return;
            }
            throw new InvalidOperationException($"{folder} holds results made with {theirs}; this run has {mine}. " +
                "Use another --out, or add --fresh to replace them (a console still writing there would then mix the two).");
        }
        throw new IOException($"{owner} keeps changing: another console is claiming the folder at the same time.");
    }

    /// <summary>The file in an experiment's folder that names the fingerprint its results belong to.</summary>
    public const string OwnerFile = "owner.txt";

    /// <summary>Deletes the experiment's stored runs (for <see cref="Fresh"/>).</summary>
    public void ClearRuns(IExperiment experiment)
    {
        var folder = Path.Combine(Folder(experiment), "runs");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}

/// <summary>When one run happened, how long it took, the key (seed and settings hash) it was made with and the machine it ran on.</summary>
public sealed record RunRecord(string Run, long Seed, DateTimeOffset Started, DateTimeOffset Ended, double Seconds, string? Key, string? Host = null);

/// <summary>Shared JSON settings.</summary>
public static class Json
{
    /// <summary>Indented, camel-case, enums as strings.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}
