using System.Text.RegularExpressions;
using DeepLite.Experiments.Framework;

namespace DeepLite.Tests.Experiments;

/// <summary>Charts are drawn with the font the console ships, never a system font, so they are the same bytes on every machine.</summary>
public class ChartFontTests
{
    [Fact]
    public void EveryTextOfAChartIsInTheShippedFontAndTheBytesRepeat()
    {
        using var fx = new Data.Fixtures();
        PlotSample(fx.Folder, "a");
        PlotSample(fx.Folder, "b");
        var svg = File.ReadAllText(Path.Combine(fx.Folder, "a.svg"));
        var families = Regex.Matches(svg, @"font-family=""([^""]*)""").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Equal([ChartFont.Family], families);
        Assert.Equal(File.ReadAllBytes(Path.Combine(fx.Folder, "a.png")), File.ReadAllBytes(Path.Combine(fx.Folder, "b.png")));
        Assert.Equal(svg.Replace("-a-clip", "-b-clip"), File.ReadAllText(Path.Combine(fx.Folder, "b.svg")));
    }

    [Fact]
    public void AChartAskingForAnotherFontIsRefusedNotDrawnInASystemFont()
    {
        using var fx = new Data.Fixtures();
        var model = Charts.NewModel("A title", "a subtitle");
        model.TitleFont = "Liberation Sans";
        Assert.Contains("does not ship", Assert.Throws<InvalidOperationException>(() => Charts.Save(model, fx.Folder, "c")).Message);
    }

    private static void PlotSample(string folder, string name)
    {
        var model = Charts.Create("A title", "a subtitle", new AxisSpec("epoch"), new AxisSpec("loss", Log: true),
            [new Series("train", [(1, 0.5), (2, 0.25), (3, 0.125)]), new Series("test", [(1, 0.6), (2, 0.4), (3, 0.3)], Dashed: true)]);
        Charts.Save(model, folder, name);
    }
}
