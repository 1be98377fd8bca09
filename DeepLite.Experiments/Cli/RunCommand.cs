using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using DeepLite.Kernels;
using DeepLite.Tensors;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>The <c>run</c> verb: runs (or resumes) experiments and writes their CSV, charts and manifests.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var ids = new Argument<string[]>("ids") { Description = "Experiment ids (see 'list'), or 'all'.", Arity = ArgumentArity.OneOrMore };
        ids.Validators.Add(result =>
        {
            foreach (var id in result.GetValueOrDefault<string[]>() ?? [])
                if (id.StartsWith('-'))
                    result.AddError($"Unknown option '{id}'. Run 'run --help' for the options.");
                else if (id != "all" && ExperimentRegistry.Find(id) is null)
                    result.AddError($"Unknown experiment '{id}'. Known: all, {string.Join(", ", ExperimentRegistry.All.Select(e => e.Id))}.");
        });
        var preset = new Option<Preset>("--preset") { Description = "quick (minutes) or full (the report's settings).", DefaultValueFactory = _ => Preset.Quick };
        var output = new Option<string>("--out") { Description = "Results folder.", DefaultValueFactory = _ => "results" };
        output.Validators.Add(r => { if (OutputFolder.Problem(r.GetValueOrDefault<string>(), mustExist: false) is { } problem) r.AddError(problem); });
        var seed = new Option<long>("--seed") { Description = "Master seed: fixes init, shuffling, label permutation and sampling.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--threads must be at least 1."); });
        var fresh = new Option<bool>("--fresh") { Description = "Redo runs that finished earlier instead of reading their results." };
        var command = new Command("run", "Run experiments (finished runs are resumed, not redone).") { ids, preset, output, seed, threads, fresh };
        command.SetAction(result =>
        {
            var selected = result.GetValue(ids)!.Contains("all") ? ExperimentRegistry.All : result.GetValue(ids)!.Distinct().Select(id => ExperimentRegistry.Find(id)!).ToList();
            Parallelism.MaxThreads = result.GetValue(threads);
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            var p = result.GetValue(preset);
            foreach (var e in selected)
                Console.WriteLine($"{e.Id}: {e.Title}, {p.ToString().ToLowerInvariant()} preset, estimated {ListCommand.Format(e.Estimate(p))} on this machine");
            int swept = DeepLite.Serialization.AtomicFile.RemoveStaleTemporaryFiles(result.GetValue(output)!);
            if (swept > 0) Console.WriteLine($"Removed {swept} temporary file(s) left by interrupted writes in {result.GetValue(output)}.");
            // Every folder is claimed before any work: a conflict is found now, not after hours of training.
            foreach (var experiment in selected)
                new ExperimentContext { OutputRoot = result.GetValue(output)!, Preset = p, Seed = result.GetValue(seed), Fresh = result.GetValue(fresh) }.ClaimFolder(experiment);
            var outcomes = new List<(IExperiment Experiment, TimeSpan Time, string? Error)>();
            try
            {
                foreach (var experiment in selected)
                {
                    var started = DateTime.UtcNow;
                    try
                    {
                        RunOne(experiment, p, result.GetValue(output)!, result.GetValue(seed), result.GetValue(fresh), cancel.Token);
                        outcomes.Add((experiment, DateTime.UtcNow - started, null));
                    }
                    catch (Exception e) when (e is not OperationCanceledException && Failure(e))
                    {
                        // One experiment's failure (no data offline, a diverged run, a full disk) does not stop the
                        // others; the summary lists it and the exit code is 1.
                        Console.Error.WriteLine($"{experiment.Id}: failed: {e.Message}");
                        outcomes.Add((experiment, DateTime.UtcNow - started, e.Message));
                    }
                }
                if (result.GetValue(ids)!.Contains("all") && outcomes.Any(o => o.Error is null))
                {
                    var (md, html) = ReportCommand.Write(result.GetValue(output)!);
                    Console.WriteLine($"Report: {Path.GetFullPath(md)}, {Path.GetFullPath(html)}");
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Cancelled. Finished runs are kept; run the same command again to resume.");
                return 1;
            }
            Summary(outcomes, result.GetValue(output)!);
            return outcomes.Any(o => o.Error is not null) ? 1 : 0;
        });
        return command;
    }

    /// <summary>The failures an experiment can meet that leave the others able to run.</summary>
    private static bool Failure(Exception e) => e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException
        or ArithmeticException or ArgumentException or System.Net.Http.HttpRequestException or System.Text.Json.JsonException;

    private static void Summary(List<(IExperiment Experiment, TimeSpan Time, string? Error)> outcomes, string output)
    {
        Console.WriteLine();
        Console.WriteLine($"Summary ({outcomes.Count(o => o.Error is null)} of {outcomes.Count} experiments done, {TimeSpan.FromSeconds(outcomes.Sum(o => o.Time.TotalSeconds)):hh\\:mm\\:ss} in all):");
        foreach (var (experiment, time, error) in outcomes)
            Console.WriteLine(error is null
                ? $"  {experiment.Id,-24} done   {time:hh\\:mm\\:ss}  {Path.GetFullPath(Path.Combine(output, experiment.Id))} ({string.Join(", ", experiment.Charts.Take(3))}{(experiment.Charts.Count > 3 ? ", ..." : "")})"
                : $"  {experiment.Id,-24} FAILED {time:hh\\:mm\\:ss}  {error}");
    }

    private static void RunOne(IExperiment experiment, Preset preset, string output, long seed, bool fresh, CancellationToken cancellation)
    {
        var started = DateTime.UtcNow;
        TensorPool.Trim(); // the previous experiment's idle buffers are not this one's memory
        using var memory = new MemoryMonitor();
        void Execute(IExperimentProgress progress)
        {
            var context = new ExperimentContext { OutputRoot = output, Preset = preset, Seed = seed, Fresh = fresh, Cancellation = cancellation, Progress = progress, Memory = memory };
            if (fresh) context.ClearRuns(experiment);
            experiment.Run(context);
        }
        if (ProgressDisplay.Interactive)
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx => Execute(new BarExperimentProgress(ctx)));
        else
            Execute(new LineExperimentProgress());
        Console.WriteLine($"{experiment.Id}: done in {(DateTime.UtcNow - started).TotalSeconds:F0} s, peak memory {memory.Peaks()}; results in {Path.GetFullPath(Path.Combine(output, experiment.Id))}");
    }
}
