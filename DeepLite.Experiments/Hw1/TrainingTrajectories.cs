using DeepLite.Analysis;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-2-1: an MNIST MLP 784-128-32-10 trained 8 times with different seeds (SGD 0.01, momentum 0.9);
/// the weights are recorded every few epochs and one PCA, fitted on all runs' snapshots together,
/// projects them to 2-D: the first layer's weights and the whole model's.
/// </summary>
public sealed class TrainingTrajectories : IExperiment
{
    /// <summary>The settings of one preset (TrainPerClass 0: the whole training set).</summary>
    public sealed record Settings(
        [property: Setting("Trainings, each from its own seed (one trajectory each).", Min = 1)] int Runs,
        [property: Setting("Epochs of each training.", Min = 1)] int Epochs,
        [property: Setting("Epochs between two recorded weight snapshots.", Min = 1)] int SnapshotEvery,
        [property: Setting("Images per SGD step.", Min = 1)] int BatchSize,
        [property: Setting("Training images per class of MNIST (0: the whole training set).", Min = 0)] int TrainPerClass,
        [property: Setting("SGD's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("SGD's momentum.", Min = 0, Max = 1)] double Momentum);

    /// <inheritdoc/>
    public string Id => "hw1-2-1";
    /// <inheritdoc/>
    public string Title => "HW1-2-1 Visualize the optimization process (PCA of weight trajectories)";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["pca-first-layer", "pca-whole-model"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Runs: 8, Epochs: 24, SnapshotEvery: 3, BatchSize: 128, TrainPerClass: 0, 0.01, 0.9)
        : new Settings(Runs: 8, Epochs: 12, SnapshotEvery: 2, BatchSize: 128, TrainPerClass: 300, 0.01, 0.9);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        double images = s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10;
        // Per image and epoch, snapshots included (benchmarks/README.md, "Unit cost estimates").
        double cost = s.Epochs * images * 15e-6 + 0.25;
        return [.. Enumerable.Range(1, s.Runs).Select(run => new RunUnit($"run-{run}", s.Epochs, cost,
            (context, seed) => Train(context, $"run-{run}", context.Subsets("mnist", s.TrainPerClass, 0).Train, s, seed, SnapshotFile(context.Store.RunsFolder(this), run))))];
    }

    private static string SnapshotFile(string runsFolder, int run) => Path.Combine(runsFolder, $"run-{run}.snapshots.bin");

    /// <summary>A run's snapshots; a damaged file is an error that says how to redo the run (its points and snapshots go together).</summary>
    private static List<float[]> ReadSnapshots(string runsFolder, int run)
    {
        try { return Snapshots.Read(SnapshotFile(runsFolder, run)); }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
        {
            throw new InvalidDataException($"{e.Message} Delete {Path.Combine(runsFolder, $"run-{run}")}.* and run again: run {run} is then trained anew (its stored points and its snapshots go together).", e);
        }
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All.ToList();
        var firstLayer = new List<(int Run, double[] W)>();
        var whole = new List<(int Run, double[] W)>();
        for (int run = 0; run < s.Runs; run++)
        {
            int firstSize = 784 * 128 + 128;
            foreach (var snap in ReadSnapshots(units.RunsFolder, run + 1))
            {
                var w = Array.ConvertAll(snap, v => (double)v);
                whole.Add((run, w));
                firstLayer.Add((run, w[..firstSize]));
            }
        }
        var accuracy = points.Where(p => p.Metric == "snapshot_accuracy").ToList();
        // Draw adds each snapshot's projection to the points, first layer then whole model, as results.csv has them.
        var charts = new List<Chart>
        {
            Draw(configuration, "pca-first-layer", "first layer (784x128 weights and biases)", firstLayer, accuracy, points),
            Draw(configuration, "pca-whole-model", "whole model (104,938 parameters)", whole, accuracy, points),
        };
        return new ExperimentResults(points, charts);
    }

    private static List<Measurement> Train(ExperimentContext context, string id, ImageDataset train, Settings s, long seed, string snapshotFile)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.ImageMlp(random, 784, 128, 32, 10);
        var optimizer = new Sgd<float>(model.Parameters(), s.LearningRate, momentum: s.Momentum);
        var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: seed);
        var points = new List<Measurement>();
        var snapshots = new List<float[]>();
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            var (loss, acc) = Trainer.ClassificationEpoch(model, optimizer, loader, epoch - 1, cancellation: context.Cancellation);
            context.Progress.Epoch(id, epoch, s.Epochs, loss, acc);
            if (epoch % s.SnapshotEvery != 0) continue;
            var (evalLoss, evalAccuracy) = Evaluation.Evaluate(model, train, 1000);
            points.Add(new(id, "epoch", epoch, "snapshot_loss", evalLoss));
            points.Add(new(id, "epoch", epoch, "snapshot_accuracy", evalAccuracy));
            snapshots.Add(model.Parameters().SelectMany(p => p.ToArray()).ToArray());
        }
        Snapshots.Write(snapshotFile, snapshots);
        return points;
    }

    private static Chart Draw(RunConfiguration configuration, string name, string what, List<(int Run, double[] W)> rows, List<Measurement> accuracy, List<Measurement> points)
    {
        var pca = Pca.Fit(rows.Select(r => r.W).ToList(), 2);
        var projected = rows.Select(r => (r.Run, P: pca.Transform(r.W))).ToList();
        var series = projected.GroupBy(p => p.Run).Select(g =>
        {
            var acc = accuracy.Where(a => a.Run == $"run-{g.Key + 1}").Select(a => $"{a.Value:P0}").ToList();
            return new Series($"run {g.Key + 1}", g.Select(p => (p.P[0], p.P[1])).ToList(), Scatter: true, Labels: acc);
        });
        double ratio = pca.ExplainedVariance.Sum() / pca.TotalVariance;
        foreach (var (run, p) in projected.Select((x, i) => (x.Run, x.P)))
        {
            points.Add(new($"{name}/run-{run + 1}", "pc", 1, "pc1", p[0]));
            points.Add(new($"{name}/run-{run + 1}", "pc", 2, "pc2", p[1]));
        }
        return new(name, Framework.Charts.Create($"PCA of the {what}, 8 runs", Framework.Charts.Subtitle(configuration, $"one PCA on all snapshots; 2 components explain {ratio:P0}; labels: training accuracy, first → last snapshot"),
            new AxisSpec("principal component 1"), new AxisSpec("principal component 2"), series));
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "separate-trajectories", "Runs from different seeds follow separate trajectories and end in different places of the joint PCA.", SeparateTrajectories),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p) =>
        [$"{p.Where(x => x.Metric == "snapshot_accuracy").Select(x => x.Run).Distinct().Count()} runs; final training accuracy {RangeOf(FinalPerRun(p, "snapshot_accuracy"), "P1")}. Each run occupies its own region of the projection: different seeds end in different minima."];

    private static ClaimResult SeparateTrajectories(IReadOnlyList<Measurement> p)
    {
        // Whole-model projection: each run's snapshots in order (pc1, pc2 pairs).
        var runs = p.Where(x => x.Run.StartsWith("pca-whole-model/", StringComparison.Ordinal)).GroupBy(x => x.Run).Select(g =>
        {
            var pc1 = g.Where(x => x.Metric == "pc1").Select(x => x.Value).ToList();
            var pc2 = g.Where(x => x.Metric == "pc2").Select(x => x.Value).ToList();
            return pc1.Zip(pc2).ToList();
        }).Where(r => r.Count >= 2).ToList();
        if (runs.Count < 2) throw new InvalidOperationException("fewer than two runs");
        static double Distance((double, double) a, (double, double) b) => Math.Sqrt(Math.Pow(a.Item1 - b.Item1, 2) + Math.Pow(a.Item2 - b.Item2, 2));
        double closest = double.MaxValue;
        for (int i = 0; i < runs.Count; i++)
            for (int j = i + 1; j < runs.Count; j++) closest = Math.Min(closest, Distance(runs[i][^1], runs[j][^1]));
        var lastSteps = runs.Select(r => Distance(r[^2], r[^1])).Order().ToList();
        double step = lastSteps[lastSteps.Count / 2];
        double ratio = closest / step;
        return new(Claim.Threshold(ratio, 1, 0.25), $"closest final points of two runs {F(closest, "G3")} apart, {F(ratio, "F1")}x a run's median last step ({F(step, "G3")})");
    }
}
