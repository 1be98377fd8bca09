using DeepLite.Data;
using DeepLite.Analysis;
using DeepLite.Experiments.Framework;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-3 part 2 and the sharpness bonus: MLP 784-128-10 trained with Adam(1e-3) at batch sizes 32..512;
/// train/test loss and accuracy, the sensitivity (Frobenius norm of the softmax Jacobian with respect to the
/// input, averaged over a fixed set), the report's loss-gradient variant, and sharpness for a few epsilons.
/// </summary>
public sealed class FlatnessSensitivity : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(int[] BatchSizes, int Epochs, int TrainPerClass, int TestCount, int SensitivitySamples, double LearningRate,
        double[] Epsilons, int SharpnessSamples, int SharpnessAscentSteps, int SharpnessImages);

    /// <inheritdoc/>
    public string Id => "hw1-3-3-sensitivity";
    /// <inheritdoc/>
    public string Title => "HW1-3-3 Flatness vs generalization, part 2: sensitivity and sharpness vs batch size";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["loss-and-sensitivity", "accuracy-and-sensitivity", "sharpness"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings([32, 64, 128, 256, 512], Epochs: 10, TrainPerClass: 0, TestCount: 0, SensitivitySamples: 1000, 1e-3, [1e-4, 1e-3, 1e-2], 50, 10, 2000)
        : new Settings([32, 64, 128, 256, 512], Epochs: 5, TrainPerClass: 1000, TestCount: 2000, SensitivitySamples: 300, 1e-3, [1e-4, 1e-3], 20, 5, 1000); // 300 per class was too noisy to show the full run's trends

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        var data = new Lazy<(ImageDataset Train, ImageDataset Test, Tensor<float> Probe, ImageDataset SharpSet, Tensor<float> SharpImages)>(() =>
        {
            var (train, test, splits) = context.Subsets("mnist", s.TrainPerClass, s.TestCount);
            var sharpSet = train.Take(Math.Min(s.SharpnessImages, train.Count));
            return (train, test, splits.Test.Take(Math.Min(s.SensitivitySamples, splits.Test.Count)).ToTensor(), sharpSet, sharpSet.ToTensor());
        });
        double images = s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10;
        // Measured 2026-11-29: the full preset (5 batch sizes x 10 epochs of 60,000 images, 3 epsilons) in 10 s.
        double cost = s.Epochs * images * 2.5e-6 + s.Epsilons.Length * (s.SharpnessSamples + s.SharpnessAscentSteps) * s.SharpnessImages * 1e-6 + 0.3;
        return [.. s.BatchSizes.Select(batch =>
        {
            var id = $"batch-{batch}";
            return new RunUnit(id, s.Epochs, cost, seed =>
            {
                var (train, test, probe, sharpSet, sharpImages) = data.Value;
                var model = Training.TrainMlp(context, id, [784, 128, 10], train, batch, s.Epochs, p => new Adam<float>(p, s.LearningRate), seed, checkpoint: context.Checkpoint(this, id));
                var (trainLoss, trainAccuracy) = Training.Evaluate(model, train);
                var (testLoss, testAccuracy) = Training.Evaluate(model, test);
                // The report's variant at the training batch size, on the first batch of the training set.
                var first = train.Take(Math.Min(batch, train.Count));
                var result = new List<Point>
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
    public ExperimentResults Assemble(ExperimentContext context, UnitResults units)
    {
        var s = context.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name, bool second = false) =>
            new(name, points.Where(p => p.Metric == metric).OrderBy(p => p.X).Select(p => (p.X, p.Value)).ToList(), SecondAxis: second);
        var detail = $"MLP 784-128-10, Adam(1e-3), {s.Epochs} epochs each: larger batches made fewer updates; dashed: sensitivity (right)";
        return new ExperimentResults(points,
        [
            new("loss-and-sensitivity", Framework.Charts.Create("Loss and sensitivity vs batch size", Framework.Charts.Subtitle(context, detail),
                new AxisSpec("batch size", Log: true), new AxisSpec("cross-entropy"),
                [Metric("train_loss", "train loss"), Metric("test_loss", "test loss"), Metric("sensitivity_jacobian", "sensitivity ||∂softmax/∂x||_F", true)],
                y2: new AxisSpec("sensitivity"))),
            new("accuracy-and-sensitivity", Framework.Charts.Create("Accuracy and sensitivity vs batch size", Framework.Charts.Subtitle(context, detail),
                new AxisSpec("batch size", Log: true), new AxisSpec("accuracy (fraction)"),
                [Metric("train_accuracy", "train accuracy"), Metric("test_accuracy", "test accuracy"), Metric("sensitivity_jacobian", "sensitivity ||∂softmax/∂x||_F", true)],
                y2: new AxisSpec("sensitivity"))),
            new("sharpness", Framework.Charts.Create("Sharpness vs batch size (Keskar et al.)", Framework.Charts.Subtitle(context, "max loss in the ε-box minus the loss, random samples and projected ascent"),
                new AxisSpec("batch size", Log: true), new AxisSpec("sharpness (loss increase)", Log: true),
                s.Epsilons.Select(e => Metric($"sharpness_eps_{e:G}", $"ε = {e:G}")))),
        ]);
    }
}
