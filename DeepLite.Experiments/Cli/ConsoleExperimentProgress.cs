using System.Diagnostics;
using DeepLite.Experiments.Framework;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>Plain progress lines, for logs: each run's start and end, and epochs at most every few seconds.</summary>
internal sealed class LineExperimentProgress : IExperimentProgress
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, Stopwatch> _runs = [];
    private TimeSpan _lastEpochLine = TimeSpan.FromSeconds(-10);
    private readonly Dictionary<string, int> _resumedAt = [];

    public void RunStarted(string experiment, string run, int epochs, bool cached)
    {
        _runs[run] = Stopwatch.StartNew();
        Console.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}] {experiment} {run}: {(cached ? "finished earlier, reading its results" : $"started ({epochs} epochs)")}");
    }

    public void Epoch(string run, int epoch, int epochs, double loss, double? accuracy)
    {
        if (epoch != epochs && _clock.Elapsed - _lastEpochLine < TimeSpan.FromSeconds(5)) return;
        var elapsed = _runs.TryGetValue(run, out var sw) ? sw.Elapsed : TimeSpan.Zero;
        // A run of under a second (hw1-2-3 has a hundred) gets its "started" line only: its last epoch and its "done"
        // would make a log of three lines a run.
        if (epoch == epochs && elapsed < QuietRun) return;
        _lastEpochLine = _clock.Elapsed;
        // Only the epochs this process ran count: after a resume, the earlier ones took no time here.
        int ran = epoch - _resumedAt.GetValueOrDefault(run);
        var eta = TimeSpan.FromSeconds(ran > 0 ? elapsed.TotalSeconds / ran * (epochs - epoch) : 0);
        Console.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}]   {run} epoch {epoch}/{epochs} loss {loss:G4}{(accuracy is double a ? $" accuracy {a:P1}" : "")} eta {eta:hh\\:mm\\:ss}");
    }

    public void RunFinished(string run)
    {
        var elapsed = _runs.TryGetValue(run, out var sw) ? sw.Elapsed : TimeSpan.Zero;
        if (elapsed < QuietRun) return;
        Console.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}]   {run} done in {elapsed.TotalSeconds:F1} s");
    }

    /// <summary>A run shorter than this prints no epoch or "done" line.</summary>
    private static readonly TimeSpan QuietRun = TimeSpan.FromSeconds(1);

    public void Message(string text) => Console.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}] {text}");

    public void Resumed(string run, int epochsDone)
    {
        _resumedAt[run] = epochsDone;
        if (_runs.TryGetValue(run, out var sw)) sw.Restart();
        Console.WriteLine($"[{_clock.Elapsed:hh\\:mm\\:ss}]   {run}: resuming from its checkpoint after epoch {epochsDone}");
    }
}

/// <summary>Spectre.Console bars: one per run, with epoch, loss, accuracy and the remaining time.</summary>
internal sealed class BarExperimentProgress(ProgressContext context) : IExperimentProgress
{
    private readonly Dictionary<string, ProgressTask> _tasks = [];
    private readonly Dictionary<string, int> _resumedAt = [];

    public void RunStarted(string experiment, string run, int epochs, bool cached)
    {
        var task = context.AddTask(Markup.Escape($"{experiment} {run}"), maxValue: Math.Max(1, epochs));
        if (cached) { task.Description = Markup.Escape($"{experiment} {run} (done earlier)"); task.Value = task.MaxValue; }
        _tasks[run] = task;
    }

    public void Epoch(string run, int epoch, int epochs, double loss, double? accuracy)
    {
        if (!_tasks.TryGetValue(run, out var task)) return;
        task.Value = epoch - _resumedAt.GetValueOrDefault(run);
        task.Description = Markup.Escape($"{run} {epoch}/{epochs} loss {loss:G4}{(accuracy is double a ? $" acc {a:P1}" : "")}");
    }

    public void RunFinished(string run)
    {
        if (_tasks.TryGetValue(run, out var task)) task.Value = task.MaxValue;
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    public void Resumed(string run, int epochsDone)
    {
        if (!_tasks.TryGetValue(run, out var task)) return;
        // The bar counts only the epochs left, so that Spectre's remaining time comes from this process's rate.
        _resumedAt[run] = epochsDone;
        task.MaxValue = Math.Max(1, task.MaxValue - epochsDone);
        task.Description = Markup.Escape($"{run} resumed after epoch {epochsDone}");
    }
}
