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
    public IReadOnlyList<RunUnit> Units(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        var units = new List<RunUnit>();
        foreach (var dataset in s.Datasets)
        {
            var data = new Lazy<(ImageDataset Train, ImageDataset Test)>(() =>
            {
                var (train, test, splits) = context.Subsets(dataset, s.TrainPerClass, s.TestCount);
                context.Progress.Message($"{dataset}: {train.Count} training and {test.Count} test images from {splits.Source}");
                return (train, test);
            });
            // Measured (2026-11-29, one epoch of each model at the full preset's settings, with the test evaluation, on
            // 2 cores): the three CNNs together took 151 s for MNIST's 60,000 images and 180 s for CIFAR-10's 50,000,
            // about 2.5 and 3.6 ms per training image and epoch (split evenly over the three models).
            double images = s.TrainPerClass == 0 ? (dataset == "mnist" ? 60_000 : 50_000) : s.TrainPerClass * 10;
            double cost = images * (dataset == "mnist" ? 2.5e-3 : 3.6e-3) / 3 * s.Epochs;
            foreach (var (name, layers) in Hw1Models.Cnns)
            {
                var run = $"{dataset}/{name}";
                units.Add(new RunUnit(run, s.Epochs, cost, seed =>
                {
                    var (train, test) = data.Value;
                    return Train(context, context.Checkpoint(this, run), dataset, name, layers, train, test, s, seed);
                }));
            }
        }
        return units;
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(ExperimentContext context, UnitResults units)
    {
        var s = context.SettingsFor<Settings>(this);
        var charts = s.Datasets.SelectMany(dataset => Draw(context, dataset, units.All)).ToList();
        var counts = units.All.Where(p => p.Metric == "parameter_count").ToDictionary(p => p.Run, p => (object)(long)p.Value);
        return new ExperimentResults(units.All, charts, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static List<Point> Train(ExperimentContext context, RunCheckpoint checkpoint, string dataset, string name, string[] layers,
        ImageDataset train, ImageDataset test, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.Cnn(layers, train.Channels, train.Height, train.ClassNames.Count, random);
        context.Progress.Message($"{dataset} {name}: {model.ParameterCount:N0} parameters");
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

    private static IEnumerable<Chart> Draw(ExperimentContext context, string dataset, IReadOnlyList<Point> points)
    {
        var label = dataset == "mnist" ? "MNIST" : "CIFAR-10";
        Series Curve(string model, string metric) =>
            new(model, points.Where(p => p.Run == $"{dataset}/{model}" && p.Metric == metric).Select(p => (p.X, p.Value)).ToList());
        var models = Hw1Models.Cnns.Select(c => c.Name).ToList();
        var detail = "Adadelta(lr 0.1, ρ 0.95, ε 1e-8), batch 256; averaged over each epoch's batches";
        yield return new($"{dataset}-loss", Framework.Charts.Create($"{label}: training loss", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training loss (cross-entropy)", Log: true), models.Select(m => Curve(m, "train_loss"))));
        yield return new($"{dataset}-accuracy", Framework.Charts.Create($"{label}: training accuracy", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training accuracy (fraction)"), models.Select(m => Curve(m, "train_accuracy"))));
    }
}
