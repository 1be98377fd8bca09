using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Optimizers;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>HW1-3-2: the report's ten MLPs 784-a-b-10, 10 epochs each; train/test loss and accuracy against the parameter count.</summary>
public sealed class ParametersVsGeneralization : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(
        [property: Setting("The hidden widths [a, b] of each MLP in-a-b-classes (a JSON list of pairs).", Min = 1)] int[][] Hidden,
        [property: Setting("Epochs of each model's training.", Min = 1)] int Epochs,
        [property: Setting("Images per SGD step.", Min = 1)] int BatchSize,
        [property: Setting("Training images per class (0: the whole training set).", Min = 0)] int TrainPerClass,
        [property: Setting("Test images evaluated (0: the whole test set).", Min = 0)] int TestCount,
        [property: Setting("SGD's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("SGD's momentum.", Min = 0, Max = 1)] double Momentum,
        [property: Setting("The image dataset.", Choices = ["mnist", "fashion-mnist", "cifar10"])] string Dataset = "mnist")
    {
        /// <summary>The MLPs, one per pair of hidden widths, checked against the dataset.</summary>
        public IReadOnlyList<ModelDescription> Nets()
        {
            var info = ImageDatasets.Of(Dataset);
            int inputs = info.Shape.Aggregate(1, (a, b) => a * b);
            return [.. Hidden.Select(h => h.Length == 2 ? ImageModel.Checked($"{inputs}-{h[0]}-{h[1]}-{info.Classes}: dense {h[0]}, relu, dense {h[1]}, relu, dense {info.Classes}", Dataset)
                : throw new ArgumentException($"hidden: each model is a pair of widths [a, b]; got [{string.Join(", ", h)}]."))];
        }
    }

    private static readonly int[][] ReportModels = [[256, 128], [256, 64], [128, 64], [128, 128], [512, 256], [512, 512], [512, 128], [512, 64], [512, 32], [128, 32]];

    /// <inheritdoc/>
    public string Id => "hw1-3-2";
    /// <inheritdoc/>
    public string Title => "HW1-3-2 Number of parameters vs generalization";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["loss-vs-parameters", "accuracy-vs-parameters"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(ReportModels, Epochs: 10, BatchSize: 128, TrainPerClass: 0, TestCount: 0, 0.01, 0.9, "mnist")
        : new Settings(ReportModels, Epochs: 10, BatchSize: 128, TrainPerClass: 200, TestCount: 2000, 0.01, 0.9, "mnist");

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var info = ImageDatasets.Of(s.Dataset);
        double images = s.TrainPerClass == 0 ? info.TrainImages : s.TrainPerClass * info.Classes;
        // Per training image and epoch (benchmarks/README.md, "Unit cost estimates").
        double cost = s.Epochs * images * 7e-6;
        return [.. s.Nets().Select(net =>
        {
            var id = net.Name;
            return new RunUnit(id, s.Epochs, cost, (context, seed) =>
            {
                var (train, test, _) = context.Subsets(s.Dataset, s.TrainPerClass, s.TestCount);
                var model = MlpTraining.Train(context, id, net, train, s.BatchSize, s.Epochs,
                    p => new Sgd<float>(p, s.LearningRate, momentum: s.Momentum), seed, checkpoint: context.Checkpoint(this, id));
                double count = model.ParameterCount;
                var (trainLoss, trainAccuracy) = Evaluation.Evaluate(model, train);
                var (testLoss, testAccuracy) = Evaluation.Evaluate(model, test);
                return [new(id, "parameters", count, "train_loss", trainLoss), new(id, "parameters", count, "test_loss", testLoss),
                        new(id, "parameters", count, "train_accuracy", trainAccuracy), new(id, "parameters", count, "test_accuracy", testAccuracy)];
            });
        })];
    }

    /// <inheritdoc/>
    public IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        return ImageModel.On(s.Dataset, s.Nets());
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name) => new(name, points.Where(p => p.Metric == metric).OrderBy(p => p.X).Select(p => (p.X, p.Value)).ToList(), Scatter: true);
        var info = ImageDatasets.Of(s.Dataset);
        var detail = $"{s.Hidden.Length} MLPs {info.Shape.Aggregate(1, (a, b) => a * b)}-a-b-{info.Classes}, {s.Epochs} epochs of SGD({F(s.LearningRate, "G")}, {F(s.Momentum, "G")}) on {(s.TrainPerClass == 0 ? info.TrainImages : s.TrainPerClass * info.Classes)} {info.Label} images";
        return new ExperimentResults(points,
        [
            new("loss-vs-parameters", Framework.Charts.Create("Loss vs number of parameters", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("parameters", Log: true), new AxisSpec("cross-entropy"), [Metric("train_loss", "train"), Metric("test_loss", "test")])),
            new("accuracy-vs-parameters", Framework.Charts.Create("Accuracy vs number of parameters", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("parameters", Log: true), new AxisSpec("accuracy (fraction)"), [Metric("train_accuracy", "train"), Metric("test_accuracy", "test")])),
        ]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "plateau", "Test accuracy plateaus as the number of parameters grows: the larger half of the models is not clearly better than the smaller half.", Plateau),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        var test = p.Where(x => x.Metric == "test_accuracy").OrderBy(x => x.X).ToList();
        var train = p.Where(x => x.Metric == "train_accuracy").ToDictionary(x => x.Run, x => x.Value);
        if (test.Count == 0) yield break;
        yield return $"Parameters from {test[0].X:N0} to {test[^1].X:N0}: test accuracy {test[0].Value:P1} (smallest) to {test[^1].Value:P1} (largest); the largest train-test gap is {test.Max(t => train[t.Run] - t.Value):P1}.";
    }

    private static ClaimResult Plateau(IReadOnlyList<Measurement> p)
    {
        var models = p.Where(x => x.Metric == "test_accuracy").OrderBy(x => x.X).ToList();
        int half = models.Count / 2;
        double small = models.Take(half).Average(x => x.Value), large = models.Skip(models.Count - half).Average(x => x.Value);
        double gain = large - small;
        return new(Claim.Threshold(-gain, -0.015, -0.03), $"mean test accuracy of the {half} larger models {F(large, "P1")} vs the {half} smaller {F(small, "P1")} (gain {F(gain * 100, "F1")} points)");
    }
}
