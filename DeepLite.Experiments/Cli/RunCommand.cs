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
                if (id != "all" && ExperimentRegistry.Find(id) is null)
                    result.AddError($"Unknown experiment '{id}'. Known: all, {string.Join(", ", ExperimentRegistry.All.Select(e => e.Id))}.");
        });
        var preset = new Option<Preset>("--preset") { Description = "quick (minutes) or full (the report's settings).", DefaultValueFactory = _ => Preset.Quick };
        var output = new Option<string>("--out") { Description = "Results folder.", DefaultValueFactory = _ => "results" };
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
            try
            {
                foreach (var experiment in selected) RunOne(experiment, p, result.GetValue(output)!, result.GetValue(seed), result.GetValue(fresh), cancel.Token);
                if (result.GetValue(ids)!.Contains("all"))
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
            return 0;
        });
        return command;
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
