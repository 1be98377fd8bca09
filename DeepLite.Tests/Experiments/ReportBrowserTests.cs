using System.Diagnostics;
using System.Text.Json;

namespace DeepLite.Tests.Experiments;

/// <summary>
/// The report as a person sees it: Debian's chromium (headless, 1400 px wide) opens report.html, and a script in the page
/// lists every id used twice and every chart text drawn outside its chart's box (a chart cut at the right or the
/// bottom: a legend entry, an axis title). Without chromium on the machine the tests report Skipped (.ci/run installs it).
/// </summary>
public class ReportBrowserTests
{
    private const string Check = """
        <script>
        const problems = [];
        const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
        [...new Set(ids.filter((v, i) => ids.indexOf(v) !== i))].forEach(id => problems.push('id used twice: ' + id));
        const charts = [...document.querySelectorAll('figure > svg')];
        charts.forEach((svg, i) => {
          const box = svg.getBoundingClientRect();
          svg.querySelectorAll('text').forEach(t => {
            const r = t.getBoundingClientRect();
            if (r.width > 0 && (r.right > box.right + 1 || r.bottom > box.bottom + 1 || r.left < box.left - 1 || r.top < box.top - 1))
              problems.push(`chart ${i + 1}: '${t.textContent}' outside its box`);
          });
        });
        const pre = document.createElement('pre');
        pre.id = 'browser-check';
        pre.textContent = JSON.stringify({ charts: charts.length, problems: problems });
        document.body.appendChild(pre);
        </script>
        """;

    /// <summary>Opens <paramref name="html"/> in chromium with the check and returns (charts, problems).</summary>
    internal static (int Charts, List<string> Problems) Inspect(string html)
    {
        var chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Skip.If(chromium is null, "chromium is not installed (Debian's chromium: .ci/run installs it).");
        var page = Path.Combine(Path.GetTempPath(), $"deeplite-report-{Guid.NewGuid():N}.html");
        try
        {
            File.WriteAllText(page, File.ReadAllText(html).Replace("</body>", Check + "</body>"));
            var psi = new ProcessStartInfo(chromium!) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,3000", "--virtual-time-budget=10000", "--dump-dom", new Uri(page).AbsoluteUri })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var dom = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(entireProcessTree: true); Assert.Fail("chromium did not finish within 2 minutes"); }
            int start = dom.Result.IndexOf("<pre id=\"browser-check\">", StringComparison.Ordinal);
            Assert.True(start >= 0, "the page's check did not run (no #browser-check in chromium's DOM)");
            var json = System.Net.WebUtility.HtmlDecode(dom.Result[(start + "<pre id=\"browser-check\">".Length)..dom.Result.IndexOf("</pre>", start, StringComparison.Ordinal)]);
            using var doc = JsonDocument.Parse(json);
            return (doc.RootElement.GetProperty("charts").GetInt32(), doc.RootElement.GetProperty("problems").EnumerateArray().Select(e => e.GetString()!).ToList());
        }
        finally { File.Delete(page); }
    }

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void TheHw1ReportRendersEveryChartWholeWithUniqueIds()
    {
        var gallery = Path.Combine(Repository.Root, "docs", "hw1");
        var (charts, problems) = Inspect(Path.Combine(gallery, "report.html"));
        // Every chart of the gallery (each experiment folder's SVGs: 42 with the two landscape items) is in the page.
        Assert.Equal(Directory.GetDirectories(gallery).Sum(d => Directory.GetFiles(d, "*.svg").Length), charts);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void TheCheckSeesACutChartAndACollidingId()
    {
        // What OxyPlot wrote before: no viewBox, its process-numbered clip id; pasted twice, as two commands' charts were.
        const string raw = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"560\"><clipPath id=\"cl_3\"><rect width=\"960\" height=\"560\"/></clipPath>" +
            "<g clip-path=\"url(#cl_3)\"><text x=\"900\" y=\"300\" font-size=\"14\">legend entry</text></g></svg>";
        var html = Path.Combine(Path.GetTempPath(), $"deeplite-raw-{Guid.NewGuid():N}.html");
        try
        {
            File.WriteAllText(html, "<!DOCTYPE html><html><head><style>body{max-width:1000px;margin:2em auto}svg{max-width:100%;height:auto}</style></head><body>" +
                $"<figure>{raw}</figure><figure>{raw}</figure></body></html>");
            var (charts, problems) = Inspect(html);
            Assert.Equal(2, charts);
            Assert.Contains(problems, p => p.Contains("id used twice: cl_3"));
            Assert.Contains(problems, p => p.Contains("'legend entry' outside its box"));
        }
        finally { File.Delete(html); }
    }
}
