using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using Spectre.Console;

namespace DeepLite.Experiments.Cli;

/// <summary>The <c>list</c> verb: every experiment with its title, charts and estimated times.</summary>
internal static class ListCommand
{
    public static Command Create()
    {
        var command = new Command("list", "List every experiment id with its title, charts and estimated wall time.");
        command.SetAction(_ =>
        {
            if (Console.IsOutputRedirected)
            {
                // Piped or written to a file: one tab-separated line per experiment, nothing wrapped or split.
                Console.WriteLine("id\ttitle\tcharts\tquick\tfull");
                foreach (var e in ExperimentRegistry.All)
                    Console.WriteLine($"{e.Id}\t{e.Title}\t{string.Join(",", e.Charts)}\t{Format(ExperimentRunner.Estimate(e, Preset.Quick))}\t{Format(ExperimentRunner.Estimate(e, Preset.Full))}");
                return 0;
            }
            var table = new Table().AddColumns("id", "title", "charts", "quick", "full");
            foreach (var e in ExperimentRegistry.All)
                table.AddRow(e.Id, Markup.Escape(e.Title), Markup.Escape(string.Join(", ", e.Charts)),
                    Format(ExperimentRunner.Estimate(e, Preset.Quick)), Format(ExperimentRunner.Estimate(e, Preset.Full)));
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"~{t.TotalHours:F1} h" : t.TotalMinutes >= 1 ? $"~{t.TotalMinutes:F0} min" : $"~{Math.Max(1, t.TotalSeconds):F0} s";
}
