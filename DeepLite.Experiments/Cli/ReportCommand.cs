using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;

namespace DeepLite.Experiments.Cli;

/// <summary>The <c>report</c> verb: REPORT.md and report.html from the results folder (also written at the end of <c>run all</c>).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Results folder.", DefaultValueFactory = _ => "results" };
        var command = new Command("report", "Write REPORT.md and report.html (charts inline) from the results folder.") { output };
        output.Validators.Add(r => { if (OutputFolder.Problem(r.GetValueOrDefault<string>(), mustExist: true) is { } problem) r.AddError(problem); });
        command.SetAction(result =>
        {
            var root = result.GetValue(output)!;
            if (!ExperimentRegistry.All.Any(e => File.Exists(Path.Combine(root, e.Id, "results.csv"))))
            {
                Console.Error.WriteLine($"error: {Path.GetFullPath(root)} holds no experiment results (no <id>/results.csv): nothing to report. Run 'run <ids> --out {root}' first.");
                return 1;
            }
            var (md, html) = Write(root);
            Console.WriteLine($"Wrote {md} and {html}");
            return 0;
        });
        return command;
    }

    public static (string Markdown, string Html) Write(string root)
    {
        Directory.CreateDirectory(root);
        return ReportWriter.Write(root, ExperimentRegistry.All, FullPresetVerdicts());
    }

    /// <summary>
    /// The verdicts recorded from the full preset (docs/hw1/claims-full.json, embedded at build time), keyed by
    /// experiment/claim; empty when the build had none.
    /// </summary>
    public static IReadOnlyDictionary<string, ClaimRecord> FullPresetVerdicts()
    {
        using var stream = typeof(ReportCommand).Assembly.GetManifestResourceStream("claims-full.json");
        if (stream is null) return new Dictionary<string, ClaimRecord>();
        return ClaimRecord.Read(new StreamReader(stream).ReadToEnd()).ToDictionary(r => r.Key);
    }
}
