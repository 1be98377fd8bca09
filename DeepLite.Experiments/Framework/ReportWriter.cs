using System.Net;
using System.Text;
using System.Text.Json;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Writes REPORT.md and a self-contained report.html (SVG charts inline) into the results folder: every
/// experiment in homework order with its settings, charts and a comment computed from its measured numbers.
/// Experiments without results are listed as missing.
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes both files; returns the paths.</summary>
    public static (string Markdown, string Html) Write(string root, IReadOnlyList<IExperiment> experiments, Func<IExperiment, IReadOnlyList<Point>, IEnumerable<string>> comment)
    {
        var md = new StringBuilder("# DeepLite: HW1 results\n\n");
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>DeepLite: HW1 results</title>" +
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.45}svg{max-width:100%;height:auto}" +
            "pre{background:#f4f4f4;padding:.6em;overflow:auto;font-size:85%}.flag{color:#b00}</style></head><body><h1>DeepLite: HW1 results</h1>");
        var missing = new List<string>();
        foreach (var experiment in experiments)
        {
            var folder = Path.Combine(root, experiment.Id);
            var csv = Path.Combine(folder, "results.csv");
            md.Append($"## {experiment.Title}\n\n");
            html.Append($"<h2>{WebUtility.HtmlEncode(experiment.Title)}</h2>");
            if (!File.Exists(csv))
            {
                missing.Add(experiment.Id);
                md.Append($"Not run yet: `run {experiment.Id}`.\n\n");
                html.Append($"<p class=\"flag\">Not run yet: <code>run {experiment.Id}</code>.</p>");
                continue;
            }
            var points = Point.FromCsv(File.ReadAllText(csv), csv);
            var manifestPath = Path.Combine(folder, "manifest.json");
            if (File.Exists(manifestPath))
            {
                using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
                var root0 = manifest.RootElement;
                var settings = root0.GetProperty("settings").GetRawText();
                var line = $"Preset {root0.GetProperty("preset").GetString()}, seed {root0.GetProperty("seed")}, {root0.GetProperty("totalRunSeconds").GetDouble():F0} s of runs.";
                md.Append(line).Append("\n\n```json\n").Append(settings).Append("\n```\n\n");
                html.Append($"<p>{WebUtility.HtmlEncode(line)}</p><pre>{WebUtility.HtmlEncode(settings)}</pre>");
            }
            foreach (var text in comment(experiment, points))
            {
                md.Append("- ").Append(text).Append('\n');
                html.Append($"<p{(text.StartsWith("Expected", StringComparison.Ordinal) ? " class=\"flag\"" : "")}>{WebUtility.HtmlEncode(text)}</p>");
            }
            md.Append('\n');
            foreach (var chart in experiment.Charts)
            {
                var svg = Path.Combine(folder, chart + ".svg");
                md.Append($"![{chart}]({experiment.Id}/{chart}.png)\n\n");
                if (File.Exists(svg))
                {
                    var content = File.ReadAllText(svg);
                    int start = content.IndexOf("<svg", StringComparison.Ordinal);
                    html.Append("<figure>").Append(start >= 0 ? content[start..] : content).Append("</figure>");
                }
                else html.Append($"<p class=\"flag\">Chart {WebUtility.HtmlEncode(chart)} is missing.</p>");
            }
        }
        if (missing.Count > 0)
        {
            md.Append($"## Missing\n\nNot run yet: {string.Join(", ", missing)}.\n");
            html.Append($"<h2>Missing</h2><p class=\"flag\">Not run yet: {WebUtility.HtmlEncode(string.Join(", ", missing))}.</p>");
        }
        html.Append("</body></html>");
        var mdPath = Path.Combine(root, "REPORT.md");
        var htmlPath = Path.Combine(root, "report.html");
        AtomicFile.WriteAllText(mdPath, md.ToString());
        AtomicFile.WriteAllText(htmlPath, html.ToString());
        return (mdPath, htmlPath);
    }
}
