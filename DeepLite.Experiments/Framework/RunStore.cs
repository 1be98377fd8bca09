using System.Text.Json;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// The results folder's files: each experiment's folder and who owns it (<see cref="ClaimFolder"/>), each unit's stored
/// points and record under <c>runs/</c>, and its training checkpoint. A stored unit counts only with the key (seed and
/// settings hash) of <see cref="Configuration"/>: results of other settings in the same folder are never mixed in.
/// </summary>
public sealed class RunStore(string outputRoot, RunConfiguration configuration)
{
    /// <summary>The results root; each experiment writes into its own sub-folder.</summary>
    public string OutputRoot { get; } = outputRoot;

    /// <summary>The configuration whose results this store reads and writes.</summary>
    public RunConfiguration Configuration { get; } = configuration;

    /// <summary>The experiment's result folder.</summary>
    public string Folder(IExperiment experiment) => Path.Combine(OutputRoot, experiment.Id);

    /// <summary>
    /// The stored points of unit <paramref name="runId"/>, or null when it has none made with this seed and these
    /// settings or they are unreadable; <paramref name="report"/> hears why stored results are not used.
    /// </summary>
    public IReadOnlyList<Measurement>? Stored(IExperiment experiment, string runId, Action<string>? report = null)
    {
        var csv = RunFile(experiment, runId, ".csv");
        if (!File.Exists(csv) || !File.Exists(RunFile(experiment, runId, ".json"))) return null;
        if (StoredRecord(experiment, runId) is null)
        {
            report?.Invoke($"{runId}: stored with another seed or other settings; running it again");
            return null;
        }
        try { return Measurement.FromCsv(File.ReadAllText(csv), csv); }
        catch (InvalidDataException e)
        {
            report?.Invoke($"{runId}: its stored results are unreadable ({e.Message}); running it again");
            return null;
        }
    }

    /// <summary>
    /// The record (timing, host) of unit <paramref name="runId"/> when it is stored with this seed and these settings,
    /// else null (no record, another key, or an unreadable one: the unit is then done again and the file replaced).
    /// </summary>
    public RunRecord? StoredRecord(IExperiment experiment, string runId)
    {
        var meta = RunFile(experiment, runId, ".json");
        if (!File.Exists(meta)) return null;
        try
        {
            var record = JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(meta), Json.Options);
            return record?.Key == Configuration.RunKey(experiment, runId) ? record : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// Stores a finished unit: its points, then its record (a unit counts as finished only when both exist), then drops
    /// its checkpoint. <paramref name="earlier"/> is the unit's training before this attempt (from its checkpoint, see
    /// <see cref="RunCheckpoint.Earlier"/>), added to the record's seconds and attempts; <paramref name="memory"/> the
    /// peaks of the process that trained it.
    /// </summary>
    public void Store(IExperiment experiment, string runId, IReadOnlyList<Measurement> points, DateTimeOffset started, DateTimeOffset ended,
        (double Seconds, int Attempts) earlier = default, MemoryPeaks? memory = null)
    {
        AtomicFile.WriteAllText(RunFile(experiment, runId, ".csv"), Measurement.ToCsv(points));
        AtomicFile.WriteAllText(RunFile(experiment, runId, ".json"), JsonSerializer.Serialize(
            new RunRecord(runId, Configuration.RunSeed(runId), started, ended, earlier.Seconds + (ended - started).TotalSeconds, Configuration.RunKey(experiment, runId),
                Environment.MachineName, earlier.Attempts + 1, DeepLite.Kernels.Parallelism.MaxThreads, memory), Json.Options));
        File.Delete(RunFile(experiment, runId, CheckpointSuffix));
    }

    private const string CheckpointSuffix = ".checkpoint.safetensors";

    /// <summary>Where unit <paramref name="runId"/>'s claim lives while a console trains it (see <see cref="UnitClaim"/>).</summary>
    public string ClaimPath(IExperiment experiment, string runId) => RunFile(experiment, runId, ".lock");

    /// <summary>Where unit <paramref name="runId"/>'s training checkpoint lives (see <see cref="RunCheckpoint"/>).</summary>
    public string CheckpointPath(IExperiment experiment, string runId) => RunFile(experiment, runId, CheckpointSuffix);

    /// <summary>The weights of a model unit <paramref name="runId"/> trained, kept for other experiments to analyse (<see cref="TrainedModels"/>).</summary>
    public string ModelPath(IExperiment experiment, string runId, string part) => RunFile(experiment, runId, $".{part}.safetensors");

    /// <summary>The experiment's <c>runs/</c> folder: every unit's stored points and record, and the files units write of their own.</summary>
    public string RunsFolder(IExperiment experiment) => Path.Combine(Folder(experiment), "runs");

    private string RunFile(IExperiment experiment, string runId, string suffix)
    {
        var safe = string.Concat(runId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(RunsFolder(experiment), safe + suffix);
    }

    /// <summary>
    /// Makes the experiment's folder this configuration's, before any work: an empty folder is claimed (atomically, so
    /// of two consoles started at once one wins), one with the same fingerprint is shared, and one holding results of
    /// other settings is refused with an explanation, unless <paramref name="replace"/> clears them. Two consoles with
    /// seeds 1 and 2 in one --out used to both succeed, leaving a results.csv of one seed over runs of both.
    /// </summary>
    /// <param name="experiment">The experiment whose folder is claimed.</param>
    /// <param name="replace">Clear results of other settings instead of refusing (run's --fresh).</param>
    /// <param name="remedy">What the refusal tells the user to do; by default run's choices (another --out, or --fresh).</param>
    public void ClaimFolder(IExperiment experiment, bool replace = false, string? remedy = null)
    {
        var folder = Folder(experiment);
        Directory.CreateDirectory(folder);
        var owner = Path.Combine(folder, OwnerFile);
        var mine = Configuration.Fingerprint(experiment);
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
            if (replace)
            {
                ClearRuns(experiment);
                AtomicFile.WriteAllText(owner, mine);
                return;
            }
            throw new InvalidOperationException($"{folder} holds results made with {theirs}; this run has {mine}. " +
                (remedy ?? "Use another --out, or add --fresh to replace them (a console still writing there would then mix the two)."));
        }
        throw new IOException($"{owner} keeps changing: another console is claiming the folder at the same time.");
    }

    /// <summary>The file in an experiment's folder that names the fingerprint its results belong to.</summary>
    public const string OwnerFile = "owner.txt";

    /// <summary>Deletes the experiment's stored units (for --fresh).</summary>
    public void ClearRuns(IExperiment experiment)
    {
        var folder = RunsFolder(experiment);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}

/// <summary>
/// When one unit ran, how long it took, the key (seed and settings hash) it was made with, and the machine, threads and
/// memory it ran with.
/// </summary>
/// <param name="Run">The unit's id.</param>
/// <param name="Seed">Its seed.</param>
/// <param name="Started">When its last attempt started.</param>
/// <param name="Ended">When it ended.</param>
/// <param name="Seconds">Its training time over all attempts: an interrupted attempt counts up to its last checkpoint
/// (the work after it was done again), so this is what an uninterrupted run takes.</param>
/// <param name="Key">The run key it was made with.</param>
/// <param name="Host">The machine of its last attempt.</param>
/// <param name="Attempts">How many processes trained it (1 when never interrupted after a checkpoint).</param>
/// <param name="Threads">The kernel threads of its last attempt.</param>
/// <param name="Memory">The peaks of the process of its last attempt, up to the unit's end.</param>
public sealed record RunRecord(string Run, long Seed, DateTimeOffset Started, DateTimeOffset Ended, double Seconds, string? Key, string? Host = null,
    int Attempts = 1, int? Threads = null, MemoryPeaks? Memory = null);
