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
    /// <summary>The options of <c>run</c> beyond those it shares with <c>assemble</c> and <c>plan</c>, with their validation.</summary>
    private sealed class RunOptions
    {
        public ExperimentOptions Shared { get; } = new(outputMustExist: false);
        public Option<int> Threads { get; } = new("--threads") { Description = "Threads for the kernels (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        public Option<bool> Fresh { get; } = new("--fresh") { Description = "Redo runs that finished earlier instead of reading their results." };
        public Option<double> CheckpointEvery { get; } = new("--checkpoint-every")
        {
            Description = "Least seconds between two checkpoints of a training run (0: after every epoch; more often loses less work to a kill or preemption).",
            DefaultValueFactory = _ => 60,
        };
        public Option<string?> Shard { get; } = new("--shard")
        {
            Description = "Run only shard K of N of the units (K/N, e.g. 3/8), balanced by estimated cost, and skip the assembly; " +
                "'auto' takes K and N from a Slurm array task (or a Kubernetes Indexed Job). Then run 'assemble'.",
        };

        public RunOptions()
        {
            Threads.Validators.Add(r =>
            {
                int threads = r.GetValueOrDefault<int>();
                if (threads < 1) r.AddError("--threads must be at least 1.");
                // More threads than cores only makes the workers wait for each other (and a job array's tasks for each other's cores).
                else if (threads > Environment.ProcessorCount)
                    r.AddError($"--threads {threads} is more than the {Environment.ProcessorCount} cores this process may use (the machine's, or its job allocation's).");
            });
            CheckpointEvery.Validators.Add(r => { if (!(r.GetValueOrDefault<double>() >= 0)) r.AddError("--checkpoint-every must be 0 or more seconds."); });
            Shard.Validators.Add(r =>
            {
                var text = r.GetValueOrDefault<string?>();
                if (text is not null && text != "auto" && Framework.Shard.Parse(text, out var problem) is null) r.AddError(problem!);
            });
        }

        public void AddTo(Command command)
        {
            command.Options.Add(Threads); command.Options.Add(Fresh); command.Options.Add(Shard); command.Options.Add(CheckpointEvery);
            Shared.AddTo(command);
            command.Validators.Add(r =>
            {
                if (r.GetValue(Shard) is not null && r.GetValue(Fresh))
                    r.AddError("--fresh cannot be combined with --shard: it would delete the results other shards are writing. Use a new --out.");
            });
        }
    }

    public static Command Create()
    {
        var options = new RunOptions();
        var command = new Command("run", "Run experiments (finished runs are resumed, not redone).");
        options.AddTo(command);
        command.SetAction(result => Execute(result, options));
        return command;
    }

    /// <summary>Parses the shard, plans once, claims every folder, runs the plan; the exit code.</summary>
    private static int Execute(ParseResult result, RunOptions options)
    {
        if (options.Shared.SettingsProblem(result) is { } usage) return usage;
        var output = result.GetValue(options.Shared.Output)!;
        Shard? mine = null;
        if (result.GetValue(options.Shard) is { } shardText)
        {
            mine = shardText == "auto" ? Shard.FromEnvironment(Environment.GetEnvironmentVariable, out var problem) : Shard.Parse(shardText, out problem);
            if (mine is null)
            {
                Console.Error.WriteLine($"error: {problem}");
                return 2;
            }
        }
        Parallelism.MaxThreads = result.GetValue(options.Threads);
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

        // The units are listed once: this plan is what is printed, claimed and run.
        var plan = RunPlan.Make(options.Shared.Selected(result), options.Shared.Configuration(result), mine);
        PrintPlan(plan, result.GetValue(options.Shared.Preset));

        if (FreeSpaceProblem(output) is { } space)
        {
            Console.Error.WriteLine($"error: {space}");
            return 1;
        }
        int swept = DeepLite.Serialization.AtomicFile.RemoveStaleTemporaryFiles(output);
        if (swept > 0) Console.WriteLine($"Removed {swept} temporary file(s) left by interrupted writes in {output}.");
        // Every folder is claimed before any work: a conflict is found now, not after hours of training. Shards of
        // one sweep share the folders (same fingerprint).
        bool fresh = result.GetValue(options.Fresh);
        var store = options.Shared.Store(result);
        foreach (var entry in plan.Entries) store.ClaimFolder(entry.Experiment, replace: fresh);
        var execution = new Execution(output, store.Configuration, fresh, TimeSpan.FromSeconds(result.GetValue(options.CheckpointEvery)), cancel.Token);
        return RunPlanned(plan, execution, report: mine is null && options.Shared.All(result));
    }

    /// <summary>Runs every experiment of the plan (one's failure does not stop the others), then the report if asked; the exit code.</summary>
    private static int RunPlanned(RunPlan plan, Execution execution, bool report)
    {
        var outcomes = new List<(IExperiment Experiment, TimeSpan Time, string? Error)>();
        string? reportError = null;
        try
        {
            foreach (var entry in plan.Entries)
            {
                var experiment = entry.Experiment;
                if (plan.Shard is not null && entry.Mine.Count == 0) continue;
                var started = DateTime.UtcNow;
                try
                {
                    RunOne(entry, assemble: plan.Shard is null, execution);
                    outcomes.Add((experiment, DateTime.UtcNow - started, null));
                }
                catch (Exception e) when (e is not OperationCanceledException && Failure(e))
                {
                    // One experiment's failure (no data offline, a diverged run, a full disk) does not stop the
                    // others; the summary lists it and the exit code is 1.
                    // A cause several experiments share (the data missing offline) is explained once, then named.
                    bool repeated = outcomes.Any(o => o.Error == e.Message);
                    Console.Error.WriteLine(repeated ? $"{experiment.Id}: failed: {FirstLine(e.Message)} (as above)" : $"{experiment.Id}: failed: {e.Message}");
                    outcomes.Add((experiment, DateTime.UtcNow - started, e.Message));
                }
            }
            if (report && outcomes.Any(o => o.Error is null))
            {
                try
                {
                    var (md, html) = ReportCommand.Write(execution.Output);
                    Console.WriteLine($"Report: {Path.GetFullPath(md)}, {Path.GetFullPath(html)}");
                }
                catch (Exception e) when (Failure(e))
                {
                    // A report that cannot be written (a full disk) fails the command, not the summary of what ran.
                    Console.Error.WriteLine($"report: failed: {e.Message}");
                    reportError = e.Message;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Cancelled. Finished runs are kept; run the same command again to resume.");
            return 1;
        }
        Summary(outcomes, execution.Output, plan.Shard, execution.Configuration);
        if (reportError is not null) Console.WriteLine($"  {"report",-24} FAILED  {FirstLine(reportError)}");
        return outcomes.Any(o => o.Error is not null) || reportError is not null ? 1 : 0;
    }

    /// <summary>The failures an experiment can meet that leave the others able to run.</summary>
    internal static bool Failure(Exception e) => e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException
        or ArithmeticException or ArgumentException or System.Net.Http.HttpRequestException or System.Text.Json.JsonException
        or InsufficientMemoryException; // the library's out-of-memory, which names the request and the limit

    /// <summary>
    /// Why the drive of <paramref name="output"/> cannot take a run, or null: an experiment's files reach tens of MB
    /// (hw1-1-2's checkpoints hold a CNN with its optimizer's state), and a drive with less failed at its first write after
    /// minutes of training. The floor is 64 MB; <c>DEEPLITE_MIN_FREE_MB</c> sets another (0: no check).
    /// </summary>
    private static string? FreeSpaceProblem(string output)
    {
        long floorMb = Environment.GetEnvironmentVariable("DEEPLITE_MIN_FREE_MB") is { Length: > 0 } text && long.TryParse(text, out var mb) ? mb : 64;
        if (floorMb <= 0) return null;
        var existing = Path.GetFullPath(output);
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? Path.GetPathRoot(existing)!;
        long free;
        try { free = new DriveInfo(existing).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return null; } // cannot tell: the writes will say
        return free >= floorMb << 20 ? null
            : $"only {free / 1048576.0:F1} MB free on the drive of {Path.GetFullPath(output)}; a run needs up to {floorMb} MB (checkpoints, charts, stored units). " +
              "Free some space or choose another --out (DEEPLITE_MIN_FREE_MB=0 skips this check).";
    }

    /// <summary>A wall time as people read it: "0.8 s", "42.0 s", then "00:03:12".</summary>
    private static string Duration(TimeSpan t) => t.TotalMinutes < 1 ? $"{t.TotalSeconds:F1} s" : t.ToString(@"hh\:mm\:ss");

    /// <summary>The first line of a message (the summary keeps one line per experiment; the log above has the rest).</summary>
    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd();

    private static void Summary(List<(IExperiment Experiment, TimeSpan Time, string? Error)> outcomes, string output, Shard? shard, RunConfiguration configuration)
    {
        Console.WriteLine();
        Console.WriteLine($"Summary{(shard is null ? "" : $" of shard {shard.Index}/{shard.Count}")} ({outcomes.Count(o => o.Error is null)} of {outcomes.Count} experiments done, " +
            $"{Duration(TimeSpan.FromSeconds(outcomes.Sum(o => o.Time.TotalSeconds)))} in all):");
        foreach (var (experiment, time, error) in outcomes)
            Console.WriteLine(error is not null ? $"  {experiment.Id,-24} FAILED {Duration(time),8}  {FirstLine(error)}"
                : shard is not null ? $"  {experiment.Id,-24} units done {Duration(time),8}  {Path.GetFullPath(Path.Combine(output, experiment.Id, "runs"))}"
                : $"  {experiment.Id,-24} done   {Duration(time),8}  {Path.GetFullPath(Path.Combine(output, experiment.Id))} ({string.Join(", ", experiment.ChartsFor(configuration).Take(3))}{(experiment.ChartsFor(configuration).Count > 3 ? ", ..." : "")})");
        if (shard is not null && outcomes.All(o => o.Error is null))
            Console.WriteLine($"This shard's units are stored; when every shard is done, 'assemble <ids> --out {output}' writes the charts and results.");
    }

    /// <summary>How this process runs its units: where, at which configuration, redoing finished ones or not, checkpoint interval, cancellation.</summary>
    private sealed record Execution(string Output, RunConfiguration Configuration, bool Fresh, TimeSpan CheckpointEvery, CancellationToken Cancellation);

    private static void PrintPlan(RunPlan plan, Preset preset)
    {
        if (plan.Shard is { } shard)
            Console.WriteLine($"Shard {shard.Index}/{shard.Count}: {plan.Entries.Sum(e => e.Mine.Count)} of {plan.Entries.Sum(e => e.AllUnits.Count)} units, " +
                $"estimated {ListCommand.Format(TimeSpan.FromSeconds(plan.MineSeconds))} (all shards: {ListCommand.Format(TimeSpan.FromSeconds(plan.AllSeconds))})");
        else
            foreach (var e in plan.Entries)
                Console.WriteLine($"{e.Experiment.Id}: {e.Experiment.Title}, {preset.ToString().ToLowerInvariant()} preset, estimated {ListCommand.Format(TimeSpan.FromSeconds(e.AllUnits.Sum(u => u.CostSeconds)))} on this machine");
    }

    /// <summary>Runs the planned units of one experiment (and assembles it when this process ran them all), with a progress display and a memory monitor.</summary>
    private static void RunOne(RunPlan.Entry entry, bool assemble, Execution execution)
    {
        var experiment = entry.Experiment;
        var started = DateTime.UtcNow;
        TensorPool.Trim(); // the previous experiment's idle buffers are not this one's memory
        using var memory = new MemoryMonitor();
        void Execute(IExperimentProgress progress)
        {
            var context = new ExperimentContext
            {
                OutputRoot = execution.Output, Configuration = execution.Configuration, Fresh = execution.Fresh, Cancellation = execution.Cancellation,
                Progress = progress, Memory = memory, CheckpointInterval = execution.CheckpointEvery,
            };
            if (execution.Fresh) context.Store.ClearRuns(experiment);
            ExperimentRunner.RunUnits(experiment, entry.Mine, context);
            if (assemble) ExperimentRunner.Assemble(experiment, entry.AllUnits, context);
        }
        if (ProgressDisplay.Interactive)
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx => Execute(new BarExperimentProgress(ctx)));
        else
            Execute(new LineExperimentProgress());
        Console.WriteLine($"{experiment.Id}: {(assemble ? "done" : $"{entry.Mine.Count} unit(s) done")} in {(DateTime.UtcNow - started).TotalSeconds:F0} s, peak memory {memory.Peaks()}; results in {Path.GetFullPath(Path.Combine(execution.Output, experiment.Id))}");
    }
}
