using System.Diagnostics;
using DeepLite.Data;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// Shows data-store progress: Spectre.Console bars on a terminal, plain lines at most every few
/// seconds (and at each new file) when the output is redirected, as in CI logs.
/// </summary>
internal static class ProgressDisplay
{
    public static bool Interactive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> with a progress sink appropriate to the output.</summary>
    public static T Run<T>(string title, Func<IProgress<DataProgress>, T> work)
    {
        if (!Interactive) return work(new LineProgress(title));
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                result = work(new Sink(p =>
                {
                    var key = $"{p.Stage} {p.File}";
                    if (!tasks.TryGetValue(key, out var task))
                        tasks[key] = task = ctx.AddTask(Markup.Escape(key), maxValue: Math.Max(1, p.Total ?? 1));
                    if (p.Total is long total) task.MaxValue = Math.Max(1, total);
                    task.Value = p.Done;
                }));
                foreach (var t in tasks.Values) t.Value = t.MaxValue;
            });
        return result;
    }

    private sealed class Sink(Action<DataProgress> report) : IProgress<DataProgress>
    {
        public void Report(DataProgress value) => report(value);
    }

    private sealed class LineProgress(string title) : IProgress<DataProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string _last = "";
        private TimeSpan _lastTime = TimeSpan.FromSeconds(-10);

        public void Report(DataProgress p)
        {
            var key = $"{p.Stage} {p.File}";
            if (key == _last && _clock.Elapsed - _lastTime < TimeSpan.FromSeconds(5)) return;
            _last = key; _lastTime = _clock.Elapsed;
            var amount = p.Total is long t && t > 0 ? $"{100.0 * p.Done / t:F0}%" : $"{p.Done:N0} bytes";
            Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {title}: {key} {amount}");
        }
    }
}
