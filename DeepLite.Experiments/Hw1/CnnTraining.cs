using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-1-2: the three CNNs of about 1.55M parameters on MNIST and CIFAR-10; training loss and accuracy per epoch
/// (averaged over the epoch's batches), test metrics in the CSV. The full preset trains as the report did (Keras's
/// Adadelta(0.1, 0.95, 1e-8), batch 256, pixels / 255, 20 epochs of every image). The quick preset trains with Adam on
/// standardized pixels: at the report's settings the 1-hidden CNN falls to last on CIFAR-10 only after about 3,000 steps,
/// most of an hour here, while with these it does within five epochs of a few thousand images (docs/hw1.md).
/// </summary>
public sealed class CnnTraining : IExperiment
{
    /// <summary>
    /// The settings of one preset. <paramref name="TrainPerClass"/> holds one count per dataset, in the order of
    /// <paramref name="Datasets"/> (0: the whole training set); <paramref name="TestCount"/> 0 the whole test set.
    /// <paramref name="Standardize"/> feeds each channel's pixels standardized by the dataset's usual mean and deviation
    /// (<see cref="Normalization"/>) instead of x / 255.
    /// </summary>
    public sealed record Settings(string[] Datasets, int[] TrainPerClass, int Epochs, int BatchSize, int TestCount, OptimizerChoice Optimizer, bool Standardize)
    {
        /// <summary>The training images per class of <paramref name="dataset"/> (0: all).</summary>
        public int TrainPerClassOf(string dataset)
        {
            if (TrainPerClass.Length != Datasets.Length)
                throw new ArgumentException($"hw1-1-2 settings: {Datasets.Length} datasets but {TrainPerClass.Length} training sizes; give one per dataset.");
            return TrainPerClass[Array.IndexOf(Datasets, dataset)];
        }
    }

    /// <summary>
    /// The optimizer of a preset: "Adadelta" (Keras's semantics, the report's: learning rate, ρ, ε) or "Adam"
    /// (learning rate and ε; PyTorch's β 0.9 and 0.999).
    /// </summary>
    public sealed record OptimizerChoice(string Name, double LearningRate, double Epsilon, double? Rho = null)
    {
        /// <summary>The optimizer over <paramref name="parameters"/>.</summary>
        public Optimizer<float> Create(IEnumerable<Tensor<float>> parameters) => Name switch
        {
            "Adadelta" => new Adadelta<float>(parameters, LearningRate, Rho ?? throw new ArgumentException("hw1-1-2 settings: Adadelta needs its ρ (rho)."), Epsilon),
            "Adam" => new Adam<float>(parameters, LearningRate, epsilon: Epsilon),
            _ => throw new ArgumentException($"hw1-1-2 settings: unknown optimizer '{Name}'; use Adadelta or Adam."),
        };

        /// <summary>As the charts' subtitles show it, e.g. "Adadelta(lr 0.1, ρ 0.95, ε 1e-8)".</summary>
        public override string ToString()
        {
            var c = System.Globalization.CultureInfo.InvariantCulture;
            string lr = LearningRate.ToString("G", c), epsilon = Epsilon.ToString("0.###e0", c);
            return Rho is { } rho ? $"{Name}(lr {lr}, ρ {rho.ToString("G", c)}, ε {epsilon})" : $"{Name}(lr {lr}, ε {epsilon})";
        }
    }

    /// <inheritdoc/>
    public string Id => "hw1-1-2";
    /// <inheritdoc/>
    public string Title => "HW1-1-2 Train on actual tasks: CNNs on MNIST and CIFAR-10";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["mnist-loss", "mnist-accuracy", "cifar10-loss", "cifar10-accuracy"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(["mnist", "cifar10"], TrainPerClass: [0, 0], Epochs: 20, BatchSize: 256, TestCount: 0, new("Adadelta", 0.1, 1e-8, Rho: 0.95), Standardize: false)
        // Chosen (2026-11-29) so that the claim has the full preset's verdict: at the last two epochs the 1-hidden CNN has
        // the lowest test accuracy on both datasets. MNIST needs a few hundred images a class, CIFAR-10 1,500 and 5 epochs.
        : new Settings(["mnist", "cifar10"], TrainPerClass: [300, 1500], Epochs: 5, BatchSize: 64, TestCount: 1000, new("Adam", 1e-3, 1e-8), Standardize: true);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        var units = new List<RunUnit>();
        foreach (var dataset in s.Datasets)
        {
            int perClass = s.TrainPerClassOf(dataset);
            var data = new Lazy<(ImageDataset Train, ImageDataset Test)>(() =>
            {
                var (train, test, splits) = context.Subsets(dataset, perClass, s.TestCount);
                context.Progress.Message($"{dataset}: {train.Count} training and {test.Count} test images from {splits.Source}");
                return (train, test);
            });
            // Measured (2026-11-29, one epoch of each model at the full preset's settings, with the test evaluation, on
            // 2 cores): the three CNNs together took 151 s for MNIST's 60,000 images and 180 s for CIFAR-10's 50,000,
            // about 2.5 and 3.6 ms per training image and epoch (split evenly over the three models).
            double images = perClass == 0 ? (dataset == "mnist" ? 60_000 : 50_000) : perClass * 10;
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
        var charts = s.Datasets.SelectMany(dataset => Draw(context, s, dataset, units.All)).ToList();
        var counts = units.All.Where(p => p.Metric == "parameter_count").ToDictionary(p => p.Run, p => (object)(long)p.Value);
        return new ExperimentResults(units.All, charts, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static List<Point> Train(ExperimentContext context, RunCheckpoint checkpoint, string dataset, string name, string[] layers,
        ImageDataset train, ImageDataset test, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.Cnn(layers, train.Channels, train.Height, train.ClassNames.Count, random);
        context.Progress.Message($"{dataset} {name}: {model.ParameterCount:N0} parameters");
        var optimizer = s.Optimizer.Create(model.Parameters());
        var normalization = s.Standardize ? Standardization(dataset) : null;
        var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: seed, normalization: normalization);
        var run = $"{dataset}/{name}";
        var points = checkpoint.Points;
        int done = checkpoint.Resume(model, optimizer);
        if (done == 0) points.Add(new(run, "params", 0, "parameter_count", model.ParameterCount));
        for (int epoch = done + 1; epoch <= s.Epochs; epoch++)
        {
            var (loss, accuracy) = Training.ClassificationEpoch(model, optimizer, loader, epoch - 1, context.Cancellation);
            var (testLoss, testAccuracy) = Training.Evaluate(model, test, 500, normalization);
            points.Add(new(run, "epoch", epoch, "train_loss", loss));
            points.Add(new(run, "epoch", epoch, "train_accuracy", accuracy));
            points.Add(new(run, "epoch", epoch, "test_loss", testLoss));
            points.Add(new(run, "epoch", epoch, "test_accuracy", testAccuracy));
            context.Progress.Epoch(run, epoch, s.Epochs, loss, accuracy);
            checkpoint.EpochFinished(model, optimizer, epoch);
        }
        return points;
    }

    /// <summary>The usual per-channel statistics of <paramref name="dataset"/>, which standardized training feeds.</summary>
    private static Normalization Standardization(string dataset) => dataset switch
    {
        "mnist" => Normalization.Mnist,
        "cifar10" => Normalization.Cifar10,
        _ => throw new ArgumentException($"hw1-1-2 settings: no standardization known for dataset '{dataset}'."),
    };

    private static IEnumerable<Chart> Draw(ExperimentContext context, Settings s, string dataset, IReadOnlyList<Point> points)
    {
        var label = dataset == "mnist" ? "MNIST" : "CIFAR-10";
        Series Curve(string model, string metric) =>
            new(model, points.Where(p => p.Run == $"{dataset}/{model}" && p.Metric == metric).Select(p => (p.X, p.Value)).ToList());
        var models = Hw1Models.Cnns.Select(c => c.Name).ToList();
        var detail = $"{s.Optimizer}, batch {s.BatchSize}{(s.Standardize ? ", standardized pixels" : "")}; averaged over each epoch's batches";
        yield return new($"{dataset}-loss", Framework.Charts.Create($"{label}: training loss", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training loss (cross-entropy)", Log: true), models.Select(m => Curve(m, "train_loss"))));
        yield return new($"{dataset}-accuracy", Framework.Charts.Create($"{label}: training accuracy", Framework.Charts.Subtitle(context, detail),
            new AxisSpec("epoch"), new AxisSpec("training accuracy (fraction)"), models.Select(m => Curve(m, "train_accuracy"))));
    }
}
