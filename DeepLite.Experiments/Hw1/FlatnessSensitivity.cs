using DeepLite.Analysis;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-3 part 2 and the sharpness bonus: MLP 784-128-10 trained with Adam(1e-3) at batch sizes 32..512;
/// train/test loss and accuracy, the sensitivity (Frobenius norm of the softmax Jacobian with respect to the
/// input, averaged over a fixed set), the report's loss-gradient variant, and sharpness for a few epsilons.
/// </summary>
public sealed class FlatnessSensitivity : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(
        [property: Setting("The batch sizes, one model each.", Min = 1)] int[] BatchSizes,
        [property: Setting("Epochs of each model's training.", Min = 1)] int Epochs,
        [property: Setting("Training images per class (0: the whole training set).", Min = 0)] int TrainPerClass,
        [property: Setting("Test images evaluated (0: the whole test set).", Min = 0)] int TestCount,
        [property: Setting("Test images over which the sensitivity (softmax Jacobian norm) is averaged.", Min = 1)] int SensitivitySamples,
        [property: Setting("Adam's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("The half-widths ε of the sharpness boxes (relative, Keskar et al.).", Min = 0)] double[] Epsilons,
        [property: Setting("Random points sampled in each sharpness box.", Min = 0)] int SharpnessSamples,
        [property: Setting("Projected ascent steps in each sharpness box.", Min = 0)] int SharpnessAscentSteps,
        [property: Setting("Training images the sharpness loss is computed on.", Min = 1)] int SharpnessImages,
        [property: Setting("The image dataset.", Choices = ["mnist", "fashion-mnist", "cifar10"])] string Dataset = "mnist",
        [property: Setting("The model every batch size trains, as 'name: layers' (docs/hw1.md, \"Models as data\"); a dense layer after an image flattens it.")] string? Model = null)
    {
        /// <summary>The model, checked against the dataset's images and classes.</summary>
        public ModelDescription Net() => ImageModel.Checked(Model ?? Hw1Models.Mlp128, Dataset);
    }

    /// <inheritdoc/>
    public string Id => "hw1-3-3-sensitivity";
    /// <inheritdoc/>
    public string Title => "HW1-3-3 Flatness vs generalization, part 2: sensitivity and sharpness vs batch size";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["loss-and-sensitivity", "accuracy-and-sensitivity", "sharpness"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings([32, 64, 128, 256, 512], Epochs: 10, TrainPerClass: 0, TestCount: 0, SensitivitySamples: 1000, 1e-3, [1e-4, 1e-3, 1e-2], 50, 10, 2000, "mnist", Hw1Models.Mlp128)
        : new Settings([32, 64, 128, 256, 512], Epochs: 5, TrainPerClass: 1000, TestCount: 2000, SensitivitySamples: 300, 1e-3, [1e-4, 1e-3], 20, 5, 1000, "mnist", Hw1Models.Mlp128); // 300 per class was too noisy to show the full run's trends

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        (ImageDataset Train, ImageDataset Test, Tensor<float> Probe, ImageDataset SharpSet, Tensor<float> SharpImages) Data(ExperimentContext context) => context.Shared("data", () =>
        {
            var (train, test, splits) = context.Subsets(s.Dataset, s.TrainPerClass, s.TestCount);
            var sharpSet = train.Take(Math.Min(s.SharpnessImages, train.Count));
            return (train, test, splits.Test.Take(Math.Min(s.SensitivitySamples, splits.Test.Count)).ToTensor(), sharpSet, sharpSet.ToTensor());
        });
        var net = s.Net();
        var info = ImageDatasets.Of(s.Dataset);
        double images = s.TrainPerClass == 0 ? info.TrainImages : s.TrainPerClass * info.Classes;
        // Per image trained and sharpness sample (benchmarks/README.md, "Unit cost estimates").
        double cost = s.Epochs * images * 2.5e-6 + s.Epsilons.Length * (s.SharpnessSamples + s.SharpnessAscentSteps) * s.SharpnessImages * 1e-6 + 0.3;
        return [.. s.BatchSizes.Select(batch =>
        {
            var id = $"batch-{batch}";
            return new RunUnit(id, s.Epochs, cost, (context, seed) =>
            {
                var (train, test, probe, sharpSet, sharpImages) = Data(context);
                var model = MlpTraining.Train(context, id, net, train, batch, s.Epochs, p => new Adam<float>(p, s.LearningRate), seed, checkpoint: context.Checkpoint(this, id));
                var (trainLoss, trainAccuracy) = Evaluation.Evaluate(model, train);
                var (testLoss, testAccuracy) = Evaluation.Evaluate(model, test);
                // The report's variant at the training batch size, on the first batch of the training set.
                var first = train.Take(Math.Min(batch, train.Count));
                var result = new List<Measurement>
                {
                    new(id, "batch_size", batch, "train_loss", trainLoss), new(id, "batch_size", batch, "test_loss", testLoss),
                    new(id, "batch_size", batch, "train_accuracy", trainAccuracy), new(id, "batch_size", batch, "test_accuracy", testAccuracy),
                    new(id, "batch_size", batch, "sensitivity_jacobian", Sensitivity.JacobianFrobenius(model, probe)),
                    new(id, "batch_size", batch, "sensitivity_loss_gradient", Sensitivity.LossGradientNorm(model, first.ToTensor(), first.Labels)),
                    new(id, "batch_size", batch, "updates", s.Epochs * Math.Ceiling(train.Count / (double)batch)),
                };
                var random = new SeededRandom(seed);
                foreach (var epsilon in s.Epsilons)
                {
                    var sharp = Sharpness.Estimate(model.Parameters(), () => Loss.SoftmaxCrossEntropy(model.Forward(sharpImages), sharpSet.Labels), epsilon, s.SharpnessSamples, s.SharpnessAscentSteps, random);
                    result.Add(new(id, "batch_size", batch, $"sharpness_eps_{epsilon:G}", sharp.Sharpness));
                    result.Add(new(id, "batch_size", batch, $"sharpness_keskar_eps_{epsilon:G}", sharp.Normalized));
                }
                return result;
            });
        })];
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
        Series Metric(string metric, string name, bool second = false) =>
            new(name, points.Where(p => p.Metric == metric).OrderBy(p => p.X).Select(p => (p.X, p.Value)).ToList(), SecondAxis: second);
        var detail = $"{ImageDatasets.Of(s.Dataset).Label}, {s.Net().Name}, Adam({F(s.LearningRate, "G")}), {s.Epochs} epochs each: larger batches made fewer updates; dashed: sensitivity (right)";
        return new ExperimentResults(points,
        [
            new("loss-and-sensitivity", Framework.Charts.Create("Loss and sensitivity vs batch size", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("batch size", Log: true, Ticks: [.. s.BatchSizes.Select(b => (double)b)]), new AxisSpec("cross-entropy"),
                [Metric("train_loss", "train loss"), Metric("test_loss", "test loss"), Metric("sensitivity_jacobian", "sensitivity ||∂softmax/∂x||_F", true)],
                y2: new AxisSpec("sensitivity"))),
            new("accuracy-and-sensitivity", Framework.Charts.Create("Accuracy and sensitivity vs batch size", Framework.Charts.Subtitle(configuration, detail),
                new AxisSpec("batch size", Log: true, Ticks: [.. s.BatchSizes.Select(b => (double)b)]), new AxisSpec("accuracy (fraction)"),
                [Metric("train_accuracy", "train accuracy"), Metric("test_accuracy", "test accuracy"), Metric("sensitivity_jacobian", "sensitivity ||∂softmax/∂x||_F", true)],
                y2: new AxisSpec("sensitivity"))),
            new("sharpness", Framework.Charts.Create("Sharpness vs batch size (Keskar et al.)", Framework.Charts.Subtitle(configuration, "max loss in the ε-box minus the loss, random samples and projected ascent"),
                new AxisSpec("batch size", Log: true, Ticks: [.. s.BatchSizes.Select(b => (double)b)]), new AxisSpec("sharpness (loss increase)", Log: true),
                s.Epsilons.Select(e => Metric($"sharpness_eps_{e:G}", $"ε = {e:G}")))),
        ]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "sensitivity-vs-batch", "Sensitivity (Jacobian norm) rises with the batch size.", SensitivityRises),
        new(Id, "sharpness-vs-batch", "Sharpness rises with the batch size (large batches find sharper minima).", SharpnessRises),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        List<(double Batch, double Value)> Series(string metric) => p.Where(x => x.Metric == metric).OrderBy(x => x.X).Select(x => (x.X, x.Value)).ToList();
        var jac = Series("sensitivity_jacobian"); var report = Series("sensitivity_loss_gradient"); var test = Series("test_accuracy");
        if (jac.Count == 0) yield break;
        yield return $"Sensitivity (Jacobian) {jac[0].Value:G3} at batch {jac[0].Batch} and {jac[^1].Value:G3} at batch {jac[^1].Batch}; the report's loss-gradient measure went from {report[0].Value:G3} to {report[^1].Value:G3}, a fall the 1/B of the batch mean produces by itself.";
        yield return $"Test accuracy {test[0].Value:P1} at batch {test[0].Batch} and {test[^1].Value:P1} at batch {test[^1].Batch} (same epochs, so the large batch made {p.First(x => x.Metric == "updates" && x.X == jac[0].Batch).Value / p.First(x => x.Metric == "updates" && x.X == jac[^1].Batch).Value:F0}x fewer updates).";
        foreach (var metric in p.Select(x => x.Metric).Where(m => m.StartsWith("sharpness_eps_", StringComparison.Ordinal)).Distinct())
        {
            var s = Series(metric);
            yield return $"Sharpness ({metric["sharpness_eps_".Length..].Replace('_', ' ')}): {s[0].Value:G3} at batch {s[0].Batch}, {s[^1].Value:G3} at batch {s[^1].Batch}{(s[^1].Value > s[0].Value ? " (larger batches sit in sharper regions)" : "")}.";
        }
    }

    private static ClaimResult SensitivityRises(IReadOnlyList<Measurement> p) => Trend(p, "sensitivity_jacobian", "sensitivity (Jacobian)");

    private static ClaimResult SharpnessRises(IReadOnlyList<Measurement> p)
    {
        var metric = p.Select(x => x.Metric).Where(m => m.StartsWith("sharpness_keskar_eps_", StringComparison.Ordinal)).Distinct().OrderBy(m => m, StringComparer.Ordinal).Last();
        return Trend(p, metric, metric.Replace('_', ' '));
    }

    /// <summary>Rises: the value at the largest batch against the smallest, 20 % either way decides.</summary>
    private static ClaimResult Trend(IReadOnlyList<Measurement> p, string metric, string name)
    {
        var s = p.Where(x => x.Metric == metric).OrderBy(x => x.X).ToList();
        double ratio = s[^1].Value / s[0].Value;
        return new(Claim.Threshold(ratio, 1.2, 1 / 1.2), $"{name} {F(s[0].Value, "G3")} at batch {s[0].X} and {F(s[^1].Value, "G3")} at batch {s[^1].X} ({F(ratio, "F2")}x)");
    }
}
