using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;

namespace DeepLite.Tests.Experiments;

public class ReportTests
{
    [Fact]
    public void TheReportHasEveryExperimentInOrderInlinesChartsAndListsTheMissing()
    {
        using var fx = new Data.Fixtures();
        var context = new ExperimentContext
        {
            OutputRoot = fx.Folder, Data = ExperimentTestKit.Synthetic, Configuration = new() { Seed = 1, SettingsOverride = new FunctionSimulation.Settings(Points: 16, Epochs: 2, BatchSize: 8, LearningRate: 1e-2, CurvePoints: 10, ["sinc-5"]) }
        };
        ExperimentRunner.Run(new FunctionSimulation(), context);
        var (md, html) = ReportWriter.Write(fx.Folder, ExperimentRegistry.All);
        var markdown = File.ReadAllText(md);
        var page = File.ReadAllText(html);
        // Every experiment appears, in registry (homework) order.
        var positions = ExperimentRegistry.All.Select(e => markdown.IndexOf("## " + e.Title, StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("sinc-5: lowest final loss", markdown);
        Assert.Contains("![loss-sinc-5](hw1-1-1/loss-sinc-5.png)", markdown);
        Assert.Contains("<svg", page);
        Assert.DoesNotContain("<?xml", page);
        Assert.Contains("## Missing", markdown);
        Assert.Contains("hw1-3-1", markdown[markdown.IndexOf("## Missing", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void ChartsFromSeparateProcessesPasteIntoOnePageWithUniqueIdsAndScale()
    {
        // Two experiments drawn by two "processes": OxyPlot numbers its clip paths per process, so without renaming both
        // charts' first clip would be the same id, and the page would clip one chart with the other's rectangle.
        using var fx = new Data.Fixtures();
        var tiny = new FunctionSimulation.Settings(Points: 16, Epochs: 2, BatchSize: 8, LearningRate: 1e-2, CurvePoints: 10, ["sinc-5"]);
        ExperimentRunner.Run(new FunctionSimulation(), new ExperimentContext { OutputRoot = fx.Folder, Data = ExperimentTestKit.Synthetic, Configuration = new() { SettingsOverride = tiny } });
        var folder = Path.Combine(fx.Folder, "hw1-1-1");
        var svg = File.ReadAllText(Path.Combine(folder, "loss-sinc-5.svg"));
        Assert.Matches(@"<svg[^>]* viewBox=""0 0 960 560""", svg);
        Assert.Contains("id=\"hw1-1-1-loss-sinc-5-clip1\"", svg);
        Assert.Equal(svg, SvgDocument.Normalize(svg, "hw1-1-1-loss-sinc-5")); // a second pass changes nothing
        // An SVG as OxyPlot writes it (process-numbered ids, no viewBox), pasted twice under two names.
        const string raw = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"560\"><clipPath id=\"cl_3\"><rect/></clipPath><g clip-path=\"url(#cl_3)\"/></svg>";
        File.WriteAllText(Path.Combine(folder, "fit-sinc-5.svg"), raw);
        File.WriteAllText(Path.Combine(folder, "loss-sinc-5.svg"), raw);
        var (_, html) = ReportWriter.Write(fx.Folder, ExperimentRegistry.All);
        var page = File.ReadAllText(html);
        var ids = System.Text.RegularExpressions.Regex.Matches(page, @"\bid=""([^""]+)""").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        foreach (var id in ids) Assert.Contains($"url(#{id})", page);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(page, @"<svg[^>]* viewBox=").Count);
    }
}
