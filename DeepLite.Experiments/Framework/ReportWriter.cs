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
    /// <summary>
    /// Writes both files (and claims.json when the experiments declare claims); returns the paths. Under each experiment,
    /// its <see cref="IExperiment.Comments"/>; at the top, its <see cref="IExperiment.Claims"/> judged from its points.
    /// </summary>
    /// <param name="root">The results folder.</param>
    /// <param name="experiments">The experiments, in report order.</param>
    /// <param name="reference">Verdicts recorded from the full preset (experiment/claim id to verdict), shown beside a quick run's.</param>
    public static (string Markdown, string Html) Write(string root, IReadOnlyList<IExperiment> experiments, IReadOnlyDictionary<string, ClaimRecord>? reference = null)
    {
        var claims = experiments.SelectMany(e => e.Claims).ToList();
        var md = new StringBuilder("# DeepLite: HW1 results\n\n");
        var html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>DeepLite: HW1 results</title>" +
            "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;line-height:1.45}svg{max-width:100%;height:auto}" +
            "pre{background:#f4f4f4;padding:.6em;overflow:auto;font-size:85%}.flag{color:#b00}table{border-collapse:collapse;font-size:90%}" +
            "td,th{border:1px solid #ccc;padding:.3em .5em;vertical-align:top}</style></head><body><h1>DeepLite: HW1 results</h1>");
        if (claims is { Count: > 0 }) WriteClaims(root, experiments, claims, reference, md, html);
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
            var points = Measurement.FromCsv(File.ReadAllText(csv), csv);
            var manifest = ManifestSummary.Read(Path.Combine(folder, "manifest.json"));
            if (manifest is not null)
            {
                var line = $"Preset {manifest.Preset}, seed {manifest.Seed}, {manifest.TotalRunSeconds:F0} s of runs.";
                md.Append(line).Append("\n\n");
                html.Append($"<p>{WebUtility.HtmlEncode(line)}</p>");
                if (manifest.Changes.Count > 0)
                {
                    // What ran is not the preset: said first, each change whole.
                    var head = $"Changed from the {manifest.Preset} preset (--set / --config):";
                    md.Append(head).Append('\n').Append(string.Concat(manifest.Changes.Select(c => $"- `{c.Key}`: {c.Preset} → {c.Value}\n"))).Append('\n');
                    html.Append($"<p class=\"flag\">{WebUtility.HtmlEncode(head)}</p><ul>")
                        .Append(string.Concat(manifest.Changes.Select(c => $"<li><code>{WebUtility.HtmlEncode(c.Key)}</code>: {WebUtility.HtmlEncode(c.Preset)} → {WebUtility.HtmlEncode(c.Value)}</li>"))).Append("</ul>");
                }
                md.Append("```json\n").Append(manifest.Settings).Append("\n```\n\n");
                html.Append($"<pre>{WebUtility.HtmlEncode(manifest.Settings)}</pre>");
            }
            foreach (var text in experiment.Comments(points))
            {
                md.Append("- ").Append(text).Append('\n');
                html.Append($"<p{(text.StartsWith("Expected", StringComparison.Ordinal) ? " class=\"flag\"" : "")}>{WebUtility.HtmlEncode(text)}</p>");
            }
            md.Append('\n');
            // The charts the manifest lists: those of the settings that ran (other datasets or functions), else the declared ones.
            foreach (var chart in manifest?.Charts ?? experiment.Charts)
            {
                var svg = Path.Combine(folder, chart + ".svg");
                md.Append($"![{chart}]({experiment.Id}/{chart}.png)\n\n");
                if (File.Exists(svg))
                {
                    var content = File.ReadAllText(svg);
                    int start = content.IndexOf("<svg", StringComparison.Ordinal);
                    // Normalized again: charts drawn before their ids were made unique (or by another tool) still paste safely.
                    html.Append("<figure>").Append(SvgDocument.Normalize(start >= 0 ? content[start..] : content, $"{experiment.Id}-{chart}")).Append("</figure>");
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

    /// <summary>The claims table (report's claim, verdict, numbers) and claims.json, from the experiments that have results.</summary>
    private static void WriteClaims(string root, IReadOnlyList<IExperiment> experiments, IReadOnlyList<Claim> claims, IReadOnlyDictionary<string, ClaimRecord>? reference,
        StringBuilder md, StringBuilder html)
    {
        var records = new List<ClaimRecord>();
        foreach (var claim in claims)
        {
            var folder = Path.Combine(root, claim.Experiment);
            var csv = Path.Combine(folder, "results.csv");
            if (!File.Exists(csv)) continue; // the claims are the experiments' own
            var manifest = ManifestSummary.Read(Path.Combine(folder, "manifest.json"));
            var result = claim.Evaluate(Measurement.FromCsv(File.ReadAllText(csv), csv));
            records.Add(new ClaimRecord(claim.Experiment, claim.Id, claim.Statement, manifest?.Preset ?? "unknown", result.Verdict, result.Evidence,
                manifest?.Changes is { Count: > 0 } changes ? [.. changes.Select(c => c.Key)] : null));
        }
        AtomicFile.WriteAllText(Path.Combine(root, "claims.json"), JsonSerializer.Serialize(records, Json.Options));
        static string Word(Verdict v) => v switch { Verdict.Holds => "holds", Verdict.DoesNotHold => "does not hold", Verdict.TooShort => "too short to judge", _ => "not conclusive" };
        // The recorded full-preset verdicts stand beside any other results: a quick run's, or a run of changed settings.
        bool withReference = reference is { Count: > 0 } && records.Any(r => r.Preset != "full" || r.Changed is not null);
        md.Append("## The report's claims\n\nEach claim judged from this folder's results (thresholds in each experiment's file; docs/hw1.md says what each item measures)")
          .Append(withReference ? ", beside the verdict recorded from the full preset" : "").Append('.')
          .Append(records.Any(r => r.Changed is not null) ? " A verdict marked \"changed\" judges results of settings changed from the preset (listed under each experiment): the claim is tested on what ran, not on the report's settings." : "")
          .Append("\n\n")
          .Append(withReference ? "| item | claim | verdict | full preset | numbers |\n| --- | --- | --- | --- | --- |\n" : "| item | claim | verdict | numbers |\n| --- | --- | --- | --- |\n");
        html.Append("<h2>The report's claims</h2><table><tr><th>item</th><th>claim</th><th>verdict</th>").Append(withReference ? "<th>full preset</th>" : "").Append("<th>numbers</th></tr>");
        foreach (var r in records)
        {
            var verdict = $"{Word(r.Verdict)} ({r.Preset}{(r.Changed is { } changed ? $", changed: {string.Join(", ", changed)}" : "")})";
            var full = reference?.GetValueOrDefault(r.Key) is { } f ? Word(f.Verdict) + (f.Verdict == r.Verdict ? "" : " (differs)") : "not recorded";
            md.Append($"| {r.Experiment} | {r.Statement} | {verdict} |").Append(withReference ? $" {full} |" : "").Append($" {r.Evidence.Replace("|", "\\|")} |\n");
            html.Append($"<tr><td>{r.Experiment}</td><td>{WebUtility.HtmlEncode(r.Statement)}</td><td>{WebUtility.HtmlEncode(verdict)}</td>")
                .Append(withReference ? $"<td>{WebUtility.HtmlEncode(full)}</td>" : "").Append($"<td>{WebUtility.HtmlEncode(r.Evidence)}</td></tr>");
        }
        md.Append('\n');
        html.Append("</table>");
    }
}

/// <summary>One claim's verdict on one results folder, as claims.json stores it.</summary>
/// <param name="Changed">The keys of the settings changed from the preset when the results were made with changed settings, else null.</param>
public sealed record ClaimRecord(string Experiment, string Id, string Statement, string Preset, Verdict Verdict, string Evidence,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Changed = null)
{
    /// <summary>"experiment/claim id": the claim's name across presets.</summary>
    public string Key => $"{Experiment}/{Id}";

    /// <summary>Reads a claims.json.</summary>
    public static IReadOnlyList<ClaimRecord> Read(string json) => JsonSerializer.Deserialize<List<ClaimRecord>>(json, Json.Options) ?? [];
}
