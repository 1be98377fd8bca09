using System.Diagnostics;
using System.Globalization;
using DeepLite.Layers;
using DeepLite.Optimizers;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// A training run's checkpoint (Core's <see cref="Checkpoint"/> format: model, optimizer, finished epochs,
/// plus the run's points so far in the metadata). A killed run, started again, resumes after its last saved
/// epoch and ends bit for bit where an uninterrupted run would: the data order of an epoch depends only on
/// the seed and the epoch, and everything else is in the file. Saves at most once per
/// <see cref="ExperimentContext.CheckpointInterval"/>; <see cref="ExperimentContext.RunOnce"/> deletes the
/// file once the run's results are stored.
/// </summary>
public sealed class RunCheckpoint
{
    private const string PointsKey = "points", RunKeyKey = "run_key", SecondsKey = "seconds", AttemptsKey = "attempts";
    private readonly TimeSpan _interval;
    private readonly string _key;
    private readonly Stopwatch _sinceSave = Stopwatch.StartNew(), _sinceStart = Stopwatch.StartNew();
    private double _earlierSeconds;
    private int _earlierAttempts;

    private readonly IExperimentProgress? _progress;
    private readonly string _run;

    internal RunCheckpoint(string path, TimeSpan interval, string key, IExperimentProgress? progress = null, string run = "")
    {
        Path = path; _interval = interval; _key = key; _progress = progress; _run = run;
    }

    /// <summary>Where the checkpoint lives.</summary>
    public string Path { get; }

    /// <summary>The run's points so far; restored by <see cref="Resume"/>, saved with every checkpoint.</summary>
    public List<Measurement> Points { get; } = [];

    /// <summary>
    /// Loads the checkpoint, if there is one made with this run's seed and settings (see
    /// <see cref="RunConfiguration.RunKey"/>), into <paramref name="model"/> and <paramref name="optimizer"/> and
    /// restores <see cref="Points"/>; returns the number of finished epochs (0 without one: another seed's or
    /// settings' checkpoint is ignored and later overwritten).
    /// </summary>
    /// <remarks>
    /// A checkpoint that cannot be read (a truncated or damaged file: checkpoints are written whole, by a rename, so only
    /// something outside the console makes one) is reported, deleted, and the unit starts again from its first epoch:
    /// it would otherwise fail the experiment on every rerun. Nothing is loaded from it: the points are parsed first, and
    /// <see cref="Checkpoint.Load{T}(SafeTensorsFile, Module{T}, Optimizer{T}?, SeededRandom?)"/> checks everything
    /// before it changes anything.
    /// </remarks>
    public int Resume(Module<float> model, Optimizer<float> optimizer)
    {
        if (!File.Exists(Path)) return 0;
        try
        {
            var file = SafeTensorsFile.Open(Path);
            if (file.Metadata.GetValueOrDefault(RunKeyKey) != _key) return 0;
            var points = Measurement.FromCsv(file.Metadata.GetValueOrDefault(PointsKey) ?? "", Path);
            var info = Checkpoint.Load(file, model, optimizer);
            (_earlierSeconds, _earlierAttempts) = Earlier(file);
            Points.Clear();
            Points.AddRange(points);
            if (info.Epoch > 0) _progress?.Resumed(_run, info.Epoch);
            return info.Epoch;
        }
        catch (Exception e) when (e is SafeTensorsFormatException or InvalidDataException or DeepLite.Autograd.NonFiniteException)
        {
            _progress?.Message($"{_run}: its checkpoint {Path} is unreadable ({e.Message}); deleted, the run starts again from its first epoch");
            File.Delete(Path);
            return 0;
        }
    }

    /// <summary>
    /// The training seconds and attempts before this one of the unit whose checkpoint is at <paramref name="path"/>,
    /// made with run key <paramref name="key"/>: the time up to each earlier attempt's last checkpoint (work after it
    /// was lost and is done again), so that a resumed unit's record counts what an uninterrupted run would have taken.
    /// (0, 0) without such a checkpoint, or with one that cannot be read (<see cref="Resume"/> then starts over).
    /// </summary>
    internal static (double Seconds, int Attempts) Earlier(string path, string key)
    {
        if (!File.Exists(path)) return (0, 0);
        try
        {
            var file = SafeTensorsFile.Open(path);
            return file.Metadata.GetValueOrDefault(RunKeyKey) == key ? Earlier(file) : (0, 0);
        }
        catch (Exception e) when (e is SafeTensorsFormatException or InvalidDataException or IOException) { return (0, 0); }
    }

    private static (double Seconds, int Attempts) Earlier(SafeTensorsFile file) =>
        (double.TryParse(file.Metadata.GetValueOrDefault(SecondsKey), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && double.IsFinite(s) && s >= 0 ? s : 0,
         int.TryParse(file.Metadata.GetValueOrDefault(AttemptsKey), NumberStyles.None, CultureInfo.InvariantCulture, out int a) ? a : 1);

    /// <summary>Saves a checkpoint after <paramref name="epoch"/> finished epochs when the interval has passed.</summary>
    public void EpochFinished(Module<float> model, Optimizer<float> optimizer, int epoch)
    {
        if (_sinceSave.Elapsed < _interval) return;
        Checkpoint.Save(Path, model, optimizer, epoch, metadata: new Dictionary<string, string>
        {
            [PointsKey] = Measurement.ToCsv(Points),
            [RunKeyKey] = _key,
            [SecondsKey] = (_earlierSeconds + _sinceStart.Elapsed.TotalSeconds).ToString("R", CultureInfo.InvariantCulture),
            [AttemptsKey] = (_earlierAttempts + 1).ToString(CultureInfo.InvariantCulture),
        });
        _sinceSave.Restart();
    }
}
