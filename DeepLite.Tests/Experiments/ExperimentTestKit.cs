using System.Xml.Linq;
using DeepLite.Data;
using DeepLite.Experiments.Framework;

namespace DeepLite.Tests.Experiments;

/// <summary>Tiny synthetic datasets and checks on the files an experiment writes.</summary>
public static class ExperimentTestKit
{
    public static DatasetSplits Synthetic(string name)
    {
        bool color = name == "cifar10";
        int c = color ? 3 : 1, size = color ? 32 : 28;
        ImageDataset Make(string split, int count, int seed)
        {
            var r = new Random(seed);
            var pixels = new byte[count * c * size * size];
            r.NextBytes(pixels);
            return new ImageDataset($"{name}/{split}", pixels, Enumerable.Range(0, count).Select(i => i % 10).ToArray(), c, size, size,
                Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
        }
        return new DatasetSplits(Make("train", 30, 1), Make("test", 12, 2), "synthetic test data");
    }

    public static void AssertValidPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
    }

    public static void AssertValidSvg(string path)
    {
        var doc = XDocument.Load(path);
        Assert.Equal("svg", doc.Root!.Name.LocalName);
        Assert.True(doc.Descendants().Count() > 20, $"{path} has almost no elements");
    }

    /// <summary>The experiment's results.csv as written.</summary>
    public static string ResultsCsv(IExperiment experiment, ExperimentContext context) =>
        File.ReadAllText(Path.Combine(context.Store.Folder(experiment), "results.csv"));

    /// <summary>The experiment's results.csv, parsed.</summary>
    public static List<Measurement> Results(IExperiment experiment, ExperimentContext context) =>
        Measurement.FromCsv(ResultsCsv(experiment, context), "results.csv");

    public static void AssertChartsAndCsv(IExperiment experiment, ExperimentContext context)
    {
        var folder = context.Store.Folder(experiment);
        foreach (var chart in experiment.ChartsFor(context.Configuration))
        {
            AssertValidPng(Path.Combine(folder, chart + ".png"));
            AssertValidSvg(Path.Combine(folder, chart + ".svg"));
        }
        var points = Results(experiment, context);
        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.True(double.IsFinite(p.Value), $"{p} is not finite"));
        // The manifest lists one record per unit (an experiment's own entries never replace the framework's).
        using (var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json"))))
        {
            var runs = manifest.RootElement.GetProperty("runs");
            Assert.Equal(System.Text.Json.JsonValueKind.Array, runs.ValueKind);
            Assert.Equal(experiment.Units(context.Configuration).Count, runs.GetArrayLength());
        }
        Assert.Empty(Directory.GetFiles(folder, "*.tmp", SearchOption.AllDirectories));
    }

    /// <summary>Cancels the token once <paramref name="runs"/> runs have finished.</summary>
    public sealed class CancelAfterRuns(int runs, CancellationTokenSource source) : IExperimentProgress
    {
        private int _finished;
        public List<(string Run, bool Cached)> Started { get; } = [];
        public void RunStarted(string experiment, string run, int epochs, bool cached) => Started.Add((run, cached));
        public void Epoch(string run, int epoch, int epochs, double loss, double? accuracy) { }
        public void RunFinished(string run) { if (++_finished == runs) source.Cancel(); }
        public void Message(string text) { }
    }
}
