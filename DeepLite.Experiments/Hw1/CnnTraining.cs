using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-1-2: the three CNNs of about 1.55M parameters on MNIST and CIFAR-10 with Adadelta(0.1, 0.95, 1e-8),
/// batch 256; training loss and accuracy per epoch (averaged over the epoch's batches), test metrics in the CSV.
/// </summary>
public sealed class CnnTraining : IExperiment
{
    /// <summary>The settings of one preset. TrainPerClass 0 uses the whole training set; TestCount 0 the whole test set.</summary>
    public sealed record Settings(string[] Datasets, int Epochs, int BatchSize, int TrainPerClass, int TestCount, double LearningRate, double Rho, double Epsilon);

    /// <inheritdoc/>
    public string Id => "hw1-1-2";
    /// <inheritdoc/>
    public string Title => "HW1-1-2 Train on actual tasks: CNNs on MNIST and CIFAR-10";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["mnist-loss", "mnist-accuracy", "cifar10-loss", "cifar10-accuracy"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(["mnist", "cifar10"], Epochs: 20, BatchSize: 256, TrainPerClass: 0, TestCount: 0, 0.1, 0.95, 1e-8)
        : new Settings(["mnist", "cifar10"], Epochs: 4, BatchSize: 256, TrainPerClass: 150, TestCount: 500, 0.1, 0.95, 1e-8);

    /// <inheritdoc/>
    public TimeSpan Estimate(Preset preset)
    {
        var s = (Settings)PresetSettings(preset);
        // Measured (2026-11-29, one epoch of each model at the full preset's settings, with the test evaluation,
        // on 2 cores): the three CNNs together took 151 s for MNIST's 60,000 images and 180 s for CIFAR-10's 50,000,
        // about 2.5 and 3.6 ms per training image and epoch.
        double mnist = s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10, cifar = s.TrainPerClass == 0 ? 50_000 : s.TrainPerClass * 10;
        double perEpoch = (s.Datasets.Contains("mnist") ? mnist * 2.5e-3 : 0) + (s.Datasets.Contains("cifar10") ? cifar * 3.6e-3 : 0);
        return TimeSpan.FromSeconds(perEpoch * s.Epochs);
    }

    /// <inheritdoc/>
    public void Run(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        var folder = context.Folder(this);
        var all = new List<Point>();
        var counts = new Dictionary<string, object>();
        foreach (var dataset in s.Datasets)
        {
            var (train, test, splits) = context.Subsets(dataset, s.TrainPerClass, s.TestCount);
            context.Progress.Message($"{dataset}: {train.Count} training and {test.Count} test images from {splits.Source}");
            var points = new List<Point>();
            foreach (var (name, layers) in Hw1Models.Cnns)
            {
                long count = Hw1Models.Cnn(layers, train.Channels, train.Height, train.ClassNames.Count, new SeededRandom(0)).ParameterCount;
                counts[$"{dataset}/{name}"] = count;
                context.Progress.Message($"{dataset} {name}: {count:N0} parameters");
                points.AddRange(context.RunOnce(this, $"{dataset}/{name}", s.Epochs, seed => Train(context, context.Checkpoint(this, $"{dataset}/{name}"), dataset, name, layers, train, test, s, seed)));
            }
            all.AddRange(points);
            Draw(context, folder, dataset, points);
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "results.csv"), Point.ToCsv(all));
        Manifest.Write(this, context, s, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static List<Point> Train(ExperimentContext context, RunCheckpoint checkpoint, string dataset, string name, string[] layers,
        ImageDataset train, ImageDataset test, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.Cnn(layers, train.Channels, train.Height, train.ClassNames.Count, random);
        var optimizer = new Adadelta<float>(model.Parameters(), s.LearningRate, s.Rho, s.Epsilon);
        var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: seed);
        var run = $"{dataset}/{name}";
        var points = checkpoint.Points;
        int done = checkpoint.Resume(model, optimizer);
        if (done == 0) points.Add(new(run, "params", 0, "parameter_count", model.ParameterCount));
        for (int epoch = done + 1; epoch <= s.Epochs; epoch++)
        {
            var (loss, accuracy) = Training.ClassificationEpoch(model, optimizer, loader, epoch - 1, context.Cancellation);
            var (testLoss, testAccuracy) = Training.Evaluate(model, test, 500);
            points.Add(new(run, "epoch", epoch, "train_loss", loss));
            points.Add(new(run, "epoch", epoch, "train_accuracy", accuracy));
            points.Add(new(run, "epoch", epoch, "test_loss", testLoss));
            points.Add(new(run, "epoch", epoch, "test_accuracy", testAccuracy));
            context.Progress.Epoch(run, epoch, s.Epochs, loss, accuracy);
            checkpoint.EpochFinished(model, optimizer, epoch);
        }
        return points;
    }

    private void Draw(ExperimentContext context, string folder, string dataset, List<Point> points)
    {
        var label = dataset == "mnist" ? "MNIST" : "CIFAR-10";
        Series Curve(string model, string metric) =>
            new(model, points.Where(p => p.Run == $"{dataset}/{model}" && p.Metric == metric).Select(p => (p.X, p.Value)).ToList());
        var models = Hw1Models.Cnns.Select(c => c.Name).ToList();
        var detail = "Adadelta(lr 0.1, ρ 0.95, ε 1e-8), batch 256; averaged over each epoch's batches";
        Framework.Charts.Save(Framework.Charts.Create($"{label}: training loss", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training loss (cross-entropy)", Log: true), models.Select(m => Curve(m, "train_loss"))), folder, $"{dataset}-loss");
        Framework.Charts.Save(Framework.Charts.Create($"{label}: training accuracy", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training accuracy (fraction)"), models.Select(m => Curve(m, "train_accuracy"))), folder, $"{dataset}-accuracy");
    }
}
