using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Kernels;
using DeepLite.Tensors;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// The <c>run</c> verb: runs (or resumes) experiments and writes their CSV, charts and manifests; with
/// <c>--shard K/N</c> only shard K's units, for a job array whose last job runs <c>assemble</c>.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new ExperimentOptions(outputMustExist: false);
        var threads = new Option<int>("--threads") { Description = "Threads for the kernels (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--threads must be at least 1."); });
        var fresh = new Option<bool>("--fresh") { Description = "Redo runs that finished earlier instead of reading their results." };
        var checkpointEvery = new Option<double>("--checkpoint-every")
        {
            Description = "Least seconds between two checkpoints of a training run (0: after every epoch; more often loses less work to a kill or preemption).",
            DefaultValueFactory = _ => 60,
        };
        checkpointEvery.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() >= 0)) r.AddError("--checkpoint-every must be 0 or more seconds."); });
        var shard = new Option<string?>("--shard")
        {
            Description = "Run only shard K of N of the units (K/N, e.g. 3/8), balanced by estimated cost, and skip the assembly; " +
                "'auto' takes K and N from a Slurm array task (or a Kubernetes Indexed Job). Then run 'assemble'.",
        };
        shard.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string?>();
            if (text is not null && text != "auto" && Shard.Parse(text, out var problem) is null) r.AddError(problem!);
        });
        var command = new Command("run", "Run experiments (finished runs are resumed, not redone).") { threads, fresh, shard, checkpointEvery };
        options.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.GetValue(shard) is not null && r.GetValue(fresh))
                r.AddError("--fresh cannot be combined with --shard: it would delete the results other shards are writing. Use a new --out.");
        });
        command.SetAction(result =>
        {
            var selected = options.Selected(result);
            var output = result.GetValue(options.Output)!;
            var preset = result.GetValue(options.Preset);
            Shard? mine = null;
            if (result.GetValue(shard) is { } shardText)
            {
                mine = shardText == "auto" ? Shard.FromEnvironment(Environment.GetEnvironmentVariable, out var problem) : Shard.Parse(shardText, out problem);
                if (mine is null)
                {
                    Console.Error.WriteLine($"error: {problem}");
                    return 2;
                }
            }
            Parallelism.MaxThreads = result.GetValue(threads);
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

            // Which units this process runs: all of them, or its shard's share of all the selected experiments' units.
            List<(IExperiment Experiment, IReadOnlyList<RunUnit> Units)> plan;
            if (mine is not null)
            {
                var all = Shard.Plan(selected, options.Context(result), mine.Count);
                plan = [.. selected.Select(e => (e, (IReadOnlyList<RunUnit>)[.. all.Where(u => u.Experiment == e && u.Shard == mine.Index - 1).Select(u => u.Unit)]))];
                Console.WriteLine($"Shard {mine.Index}/{mine.Count}: {plan.Sum(p => p.Units.Count)} of {all.Count} units, estimated {ListCommand.Format(TimeSpan.FromSeconds(plan.Sum(p => p.Units.Sum(u => u.CostSeconds))))} " +
                    $"(all shards: {ListCommand.Format(TimeSpan.FromSeconds(all.Sum(u => u.Unit.CostSeconds)))})");
            }
            else
            {
                plan = [.. selected.Select(e => (e, e.Units(options.Context(result))))];
                foreach (var (e, units) in plan)
                    Console.WriteLine($"{e.Id}: {e.Title}, {preset.ToString().ToLowerInvariant()} preset, estimated {ListCommand.Format(TimeSpan.FromSeconds(units.Sum(u => u.CostSeconds)))} on this machine");
            }

            int swept = DeepLite.Serialization.AtomicFile.RemoveStaleTemporaryFiles(output);
            if (swept > 0) Console.WriteLine($"Removed {swept} temporary file(s) left by interrupted writes in {output}.");
            // Every folder is claimed before any work: a conflict is found now, not after hours of training. Shards of
            // one sweep share the folders (same fingerprint).
            foreach (var (experiment, _) in plan)
                options.Context(result, result.GetValue(fresh)).ClaimFolder(experiment);
            var outcomes = new List<(IExperiment Experiment, TimeSpan Time, string? Error)>();
            try
            {
                foreach (var (experiment, units) in plan)
                {
                    if (mine is not null && units.Count == 0) continue;
                    var started = DateTime.UtcNow;
                    try
                    {
                        RunOne(experiment, units, assemble: mine is null, options, result, result.GetValue(fresh), TimeSpan.FromSeconds(result.GetValue(checkpointEvery)), cancel.Token);
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
                if (mine is null && options.All(result) && outcomes.Any(o => o.Error is null))
                {
                    var (md, html) = ReportCommand.Write(output);
                    Console.WriteLine($"Report: {Path.GetFullPath(md)}, {Path.GetFullPath(html)}");
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("Cancelled. Finished runs are kept; run the same command again to resume.");
                return 1;
            }
            Summary(outcomes, output, mine);
            return outcomes.Any(o => o.Error is not null) ? 1 : 0;
        });
        return command;
    }

    /// <summary>The failures an experiment can meet that leave the others able to run.</summary>
    internal static bool Failure(Exception e) => e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException
        or ArithmeticException or ArgumentException or System.Net.Http.HttpRequestException or System.Text.Json.JsonException;

    private static void Summary(List<(IExperiment Experiment, TimeSpan Time, string? Error)> outcomes, string output, Shard? shard)
    {
        Console.WriteLine();
        Console.WriteLine($"Summary{(shard is null ? "" : $" of shard {shard.Index}/{shard.Count}")} ({outcomes.Count(o => o.Error is null)} of {outcomes.Count} experiments done, " +
            $"{TimeSpan.FromSeconds(outcomes.Sum(o => o.Time.TotalSeconds)):hh\\:mm\\:ss} in all):");
        foreach (var (experiment, time, error) in outcomes)
            Console.WriteLine(error is not null ? $"  {experiment.Id,-24} FAILED {time:hh\\:mm\\:ss}  {error}"
                : shard is not null ? $"  {experiment.Id,-24} units done {time:hh\\:mm\\:ss}  {Path.GetFullPath(Path.Combine(output, experiment.Id, "runs"))}"
                : $"  {experiment.Id,-24} done   {time:hh\\:mm\\:ss}  {Path.GetFullPath(Path.Combine(output, experiment.Id))} ({string.Join(", ", experiment.Charts.Take(3))}{(experiment.Charts.Count > 3 ? ", ..." : "")})");
        if (shard is not null && outcomes.All(o => o.Error is null))
            Console.WriteLine($"This shard's units are stored; when every shard is done, 'assemble <ids> --out {output}' writes the charts and results.");
    }

    private static void RunOne(IExperiment experiment, IReadOnlyList<RunUnit> units, bool assemble, ExperimentOptions options, ParseResult result, bool fresh, TimeSpan checkpointEvery, CancellationToken cancellation)
    {
        var started = DateTime.UtcNow;
        TensorPool.Trim(); // the previous experiment's idle buffers are not this one's memory
        using var memory = new MemoryMonitor();
        void Execute(IExperimentProgress progress)
        {
            var context = options.Context(result, fresh, cancellation, progress, memory, checkpointEvery);
            if (fresh) context.ClearRuns(experiment);
            var ids = units.Select(u => u.Id).ToHashSet();
            ExperimentRunner.RunUnits(experiment, context, u => ids.Contains(u.Id));
            if (assemble) ExperimentRunner.Assemble(experiment, context);
        }
        if (ProgressDisplay.Interactive)
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx => Execute(new BarExperimentProgress(ctx)));
        else
            Execute(new LineExperimentProgress());
        Console.WriteLine($"{experiment.Id}: {(assemble ? "done" : $"{units.Count} unit(s) done")} in {(DateTime.UtcNow - started).TotalSeconds:F0} s, peak memory {memory.Peaks()}; results in {Path.GetFullPath(Path.Combine(options.Context(result).OutputRoot, experiment.Id))}");
    }
}
