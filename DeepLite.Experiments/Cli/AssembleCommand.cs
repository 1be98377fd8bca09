using System.CommandLine;
using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// The <c>assemble</c> verb: charts, results.csv and manifest of each experiment from the units stored in the results
/// folder (by shards of a job array, or by earlier runs), then the report. Lists the units still missing and exits
/// with 1 if any are.
/// </summary>
internal static class AssembleCommand
{
    public static Command Create()
    {
        var options = new ExperimentOptions(outputMustExist: true);
        var command = new Command("assemble", "Write the charts, results and report from the units stored in --out (after 'run --shard'); lists missing units.");
        options.AddTo(command);
        command.SetAction(result =>
        {
            if (options.SettingsProblem(result) is { } usage) return usage;
            var output = result.GetValue(options.Output)!;
            int assembled = 0, incomplete = 0, failed = 0;
            foreach (var experiment in options.Selected(result))
            {
                var context = new ExperimentContext { OutputRoot = output, Configuration = options.Configuration(result) };
                try
                {
                    // The folder must hold this seed's and preset's results: a mismatch is an error, not "all missing".
                    if (Directory.Exists(context.Store.Folder(experiment)))
                        context.Store.ClaimFolder(experiment, remedy: "Assemble with the --preset, --seed and settings (--set, --config) those results were made with, or give the --out where this preset's and seed's units are stored.");
                    var units = experiment.Units(context.Configuration);
                    ExperimentRunner.Assemble(experiment, units, context);
                    Console.WriteLine($"{experiment.Id}: assembled {units.Count} units into {Path.GetFullPath(context.Store.Folder(experiment))}");
                    assembled++;
                }
                catch (MissingUnitsException e)
                {
                    Console.Error.WriteLine($"{e.Message}");
                    incomplete++;
                }
                catch (Exception e) when (RunCommand.Failure(e))
                {
                    Console.Error.WriteLine($"{experiment.Id}: failed: {e.Message}");
                    failed++;
                }
            }
            if (assembled > 0 && options.All(result))
            {
                var (md, html) = ReportCommand.Write(output);
                Console.WriteLine($"Report: {Path.GetFullPath(md)}, {Path.GetFullPath(html)}");
            }
            Console.WriteLine($"{assembled} assembled, {incomplete} with missing units, {failed} failed.");
            return incomplete + failed > 0 ? 1 : 0;
        });
        return command;
    }
}
