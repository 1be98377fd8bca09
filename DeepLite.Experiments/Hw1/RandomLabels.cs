using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Optimizers;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-1: can a network fit random labels? The training labels are permuted once with a seed (the test
/// labels stay true); MLP 784-256-128-10, SGD(0.01, momentum 0.9); loss and accuracy per epoch.
/// </summary>
public sealed class RandomLabels : IExperiment
{
    /// <summary>The settings of one preset (TrainPerClass 0: the whole training set; TestCount 0: the whole test set).</summary>
    public sealed record Settings(
        [property: Setting("Passes over the training images.", Min = 1)] int Epochs,
        [property: Setting("Images per SGD step.", Min = 1)] int BatchSize,
        [property: Setting("Training images per class (0: the whole training set); their labels are permuted.", Min = 0)] int TrainPerClass,
        [property: Setting("Test images (true labels) evaluated after each epoch (0: the whole test set).", Min = 0)] int TestCount,
        [property: Setting("SGD's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("SGD's momentum.", Min = 0, Max = 1)] double Momentum,
        [property: Setting("The image dataset.", Choices = ["mnist", "fashion-mnist", "cifar10"])] string Dataset = "mnist",
        [property: Setting("The model, as 'name: layers' (docs/hw1.md, \"Models as data\"); a dense layer after an image flattens it.")] string? Model = null)
    {
        /// <summary>The model, checked against the dataset's images and classes.</summary>
        public ModelDescription Net() => ImageModel.Checked(Model ?? Hw1Models.Mlp256, Dataset);
    }

    /// <inheritdoc/>
    public string Id => "hw1-3-1";
    /// <inheritdoc/>
    public string Title => "HW1-3-1 Can a network fit random labels?";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["loss", "accuracy"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Epochs: 300, BatchSize: 128, TrainPerClass: 0, TestCount: 0, 0.01, 0.9, "mnist", Hw1Models.Mlp256)
        : new Settings(Epochs: 60, BatchSize: 128, TrainPerClass: 100, TestCount: 1000, 0.01, 0.9, "mnist", Hw1Models.Mlp256);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var net = s.Net();
        var data = ImageDatasets.Of(s.Dataset);
        double images = s.TrainPerClass == 0 ? data.TrainImages : s.TrainPerClass * data.Classes, testImages = s.TestCount == 0 ? data.TestImages : s.TestCount;
        // Per training image and per evaluated image (benchmarks/README.md, "Unit cost estimates").
        double cost = s.Epochs * (images * 15e-6 + testImages * 3e-6);
        return [new RunUnit("mlp-784-256-128-10", s.Epochs, cost, (context, seed) =>
        {
            var (train, test) = Data(context, s);
            var checkpoint = context.Checkpoint(this, "mlp-784-256-128-10");
            var result = checkpoint.Points;
            MlpTraining.Train(context, "mlp-784-256-128-10", net, train, s.BatchSize, s.Epochs,
                p => new Sgd<float>(p, s.LearningRate, momentum: s.Momentum), seed, (epoch, model) =>
                {
                    var (trainLoss, trainAccuracy) = Evaluation.Evaluate(model, train);
                    var (testLoss, testAccuracy) = Evaluation.Evaluate(model, test);
                    result.Add(new("mlp", "epoch", epoch, "train_loss", trainLoss));
                    result.Add(new("mlp", "epoch", epoch, "train_accuracy", trainAccuracy));
                    result.Add(new("mlp", "epoch", epoch, "test_loss", testLoss));
                    result.Add(new("mlp", "epoch", epoch, "test_accuracy", testAccuracy));
                }, checkpoint);
            return result;
        })];
    }

    /// <summary>How many of MNIST's <paramref name="whole"/> images a setting of <paramref name="requested"/> (0: all) uses.</summary>
    private static int Count(int requested, int whole) => requested == 0 ? whole : Math.Min(requested, whole);

    private static (ImageDataset Train, ImageDataset Test) Data(ExperimentContext context, Settings s)
    {
        var (subset, test, _) = context.Subsets(s.Dataset, s.TrainPerClass, s.TestCount);
        return (subset.WithPermutedLabels(context.Seed), test);
    }

    /// <inheritdoc/>
    public IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        return ImageModel.On(s.Dataset, s.Net());
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name) => new(name, points.Where(p => p.Metric == metric).Select(p => (p.X, p.Value)).ToList());
        var data = ImageDatasets.Of(s.Dataset);
        var detail = $"{data.Label}: {Count(s.TrainPerClass * data.Classes, data.TrainImages)} training images with permuted labels, {Count(s.TestCount, data.TestImages)} test images with true labels; {s.Net().Name}, SGD({F(s.LearningRate, "G")}, {F(s.Momentum, "G")})";
        return new ExperimentResults(points,
        [
            new("loss", Framework.Charts.Create("Random labels: loss", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("epoch"), new AxisSpec("cross-entropy", Log: true), [Metric("train_loss", "train (random labels)"), Metric("test_loss", "test (true labels)")])),
            new("accuracy", Framework.Charts.Create("Random labels: accuracy", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("epoch"), new AxisSpec("accuracy (fraction)"), [Metric("train_accuracy", "train (random labels)"), Metric("test_accuracy", "test (true labels)")])),
        ]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "random-labels", "On randomly permuted labels, training accuracy climbs well above chance while test accuracy stays at chance.", FitsRandomLabels),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        double train = FinalPerRun(p, "train_accuracy").FirstOrDefault(), test = FinalPerRun(p, "test_accuracy").FirstOrDefault();
        yield return $"Final training accuracy on the permuted labels {train:P1}; test accuracy on the true labels {test:P1} (chance is 10%).";
        if (train < 0.9) yield return "Expected the training accuracy to approach 100%; it needs more epochs (or a smaller training set).";
        if (test > 0.2) yield return "Expected the test accuracy to stay near chance; it did not.";
    }

    private static ClaimResult FitsRandomLabels(IReadOnlyList<Measurement> p)
    {
        var run = p.First(x => x.Metric == "train_accuracy").Run;
        double train = Final(p, run, "train_accuracy"), test = Final(p, run, "test_accuracy");
        var verdict = test > 0.2 ? Verdict.DoesNotHold : Claim.Threshold(train, 0.3, 0.15);
        return new(verdict, $"final training accuracy {F(train, "P1")} on permuted labels, test accuracy {F(test, "P1")} on true labels (chance 10 %)");
    }
}
