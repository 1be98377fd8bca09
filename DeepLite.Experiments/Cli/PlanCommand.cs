using System.CommandLine;
using System.Text.Json;
using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// The <c>plan</c> verb: how <c>run --shard K/N</c> splits the units of the experiments over N shards, with each
/// shard's estimated time and, when the results folder holds stored runs, their measured time summed the same way;
/// then each shard's units. For choosing N and a per-task time limit before submitting. Shards are numbered 1..N, as
/// <c>--shard K/N</c>, the Slurm array of <c>deploy/slurm/submit.sh</c> (<c>--array=1-N</c>) and <c>requeue.sh</c>.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var options = new ExperimentOptions(outputMustExist: false);
        var shards = new Option<int>("--shards") { Description = "Number of shards (array tasks).", DefaultValueFactory = _ => 8 };
        shards.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--shards must be at least 1."); });
        var command = new Command("plan", "Show how 'run --shard K/N' splits the units over N shards (numbered 1..N): estimated and (from --out's stored runs) measured time per shard, then each shard's units.") { shards };
        options.AddTo(command);
        command.SetAction(result =>
        {
            if (options.SettingsProblem(result) is { } usage) return usage;
            int n = result.GetValue(shards);
            var store = options.Store(result);
            var units = Shard.Plan(options.Selected(result), store.Configuration, n)
                .Select(u => (Key: $"{u.Experiment.Id}/{u.Unit.Id}", Cost: u.Unit.CostSeconds, Measured: store.StoredRecord(u.Experiment, u.Unit.Id)?.Seconds, u.Shard)).ToList();
            bool anyMeasured = units.Any(u => u.Measured is not null);
            Console.WriteLine($"{units.Count} units over {n} shards ({result.GetValue(options.Preset).ToString().ToLowerInvariant()} preset): " +
                $"estimated {Seconds(units.Sum(u => u.Cost))} in all{(anyMeasured ? $", measured {Seconds(units.Sum(u => u.Measured ?? 0))} for the {units.Count(u => u.Measured is not null)} stored in {store.OutputRoot}" : "")}");
            Console.WriteLine($"shard\tunits\testimated{(anyMeasured ? "\tmeasured\tstored" : "")}");
            for (int k = 0; k < n; k++)
            {
                var mine = units.Where(u => u.Shard == k).ToList();
                Console.WriteLine($"{k + 1}/{n}\t{mine.Count}\t{Seconds(mine.Sum(u => u.Cost))}" +
                    (anyMeasured ? $"\t{Seconds(mine.Sum(u => u.Measured ?? 0))}\t{mine.Count(u => u.Measured is not null)}" : ""));
            }
            // Each shard's units, as 'run --shard K/N' (Slurm's array task K of submit.sh's --array=1-N) runs them.
            for (int k = 0; k < n; k++)
            {
                Console.WriteLine();
                Console.WriteLine($"Shard {k + 1}/{n}:");
                foreach (var u in units.Where(u => u.Shard == k))
                    Console.WriteLine($"  {u.Key}\t{Seconds(u.Cost)}{(u.Measured is double m ? $"\tmeasured {Seconds(m)}" : "")}");
            }
            return 0;
        });
        return command;
    }

    private static string Seconds(double s) => $"{s:F0} s";
}
