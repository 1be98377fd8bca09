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
}
