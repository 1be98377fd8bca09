using DeepLite.Analysis;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Optimizers;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-3 part 1: two MLPs 784-256-128-10 trained with Adadelta(0.1, 0.95, 1e-8) at batch 128 and 1024;
/// loss and accuracy on the training and test sets along θ(α) = (1-α)θ1 + αθ2 for α from -1 to 2.
/// </summary>
public sealed class FlatnessInterpolation : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(
        [property: Setting("Batch size of the first model (α = 0).", Min = 1)] int SmallBatch,
        [property: Setting("Batch size of the second model (α = 1).", Min = 1)] int LargeBatch,
        [property: Setting("Epochs of each model's training.", Min = 1)] int Epochs,
        [property: Setting("Training images per class (0: the whole training set).", Min = 0)] int TrainPerClass,
        [property: Setting("Test images evaluated along the line (0: the whole test set).", Min = 0)] int TestCount,
        [property: Setting("Points α on the line from -1 to 2.", Min = 2)] int Alphas,
        [property: Setting("Adadelta's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("Adadelta's ρ.", Min = 0, Max = 1)] double Rho,
        [property: Setting("Adadelta's ε.", Min = 0)] double Epsilon,
        [property: Setting("The image dataset.", Choices = ["mnist", "fashion-mnist", "cifar10"])] string Dataset = "mnist",
        [property: Setting("The model both trainings use, as 'name: layers' (docs/hw1.md, \"Models as data\"); a dense layer after an image flattens it.")] string? Model = null)
    {
        /// <summary>The model, checked against the dataset's images and classes.</summary>
        public ModelDescription Net() => ImageModel.Checked(Model ?? Hw1Models.Mlp256, Dataset);
    }

    /// <inheritdoc/>
    public string Id => "hw1-3-3-interpolation";
    /// <inheritdoc/>
    public string Title => "HW1-3-3 Flatness vs generalization, part 1: interpolation between two minima";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["interpolation"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(128, 1024, Epochs: 20, TrainPerClass: 0, TestCount: 0, Alphas: 61, 0.1, 0.95, 1e-8, "mnist", Hw1Models.Mlp256)
        : new Settings(128, 1024, Epochs: 20, TrainPerClass: 1000, TestCount: 2000, Alphas: 31, 0.1, 0.95, 1e-8, "mnist", Hw1Models.Mlp256); // 300 per class: the batch-1024 model made 60 steps and the claim's verdict differed from the full run's

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var net = s.Net();
        var data = ImageDatasets.Of(s.Dataset);
        double images = s.TrainPerClass == 0 ? data.TrainImages : s.TrainPerClass * data.Classes, testImages = s.TestCount == 0 ? data.TestImages : s.TestCount;
        // Per image trained and evaluated (benchmarks/README.md, "Unit cost estimates").
        double cost = 2 * s.Epochs * images * 4e-6 + s.Alphas * (images + testImages) * 0.8e-6;
        // One unit: the interpolation needs both trained models, and storing them to interpolate elsewhere would cost
        // more than this experiment's whole run (seconds at the full preset).
        return [new RunUnit("interpolation", 2 * s.Epochs, cost, (context, seed) =>
        {
            var (train, test, _) = context.Subsets(s.Dataset, s.TrainPerClass, s.TestCount);
            Optimizer<float> Adadelta(IReadOnlyList<DeepLite.Tensors.Tensor<float>> p) => new Adadelta<float>(p, s.LearningRate, s.Rho, s.Epsilon);
            // Both trainings report as this unit's epochs: 1..20 at the small batch, 21..40 at the large one.
            var small = MlpTraining.Train(context, "interpolation", net, train, s.SmallBatch, s.Epochs, Adadelta, seed, unitEpochs: 2 * s.Epochs);
            var large = MlpTraining.Train(context, "interpolation", net, train, s.LargeBatch, s.Epochs, Adadelta, seed + 1, epochOffset: s.Epochs, unitEpochs: 2 * s.Epochs);
            // Both minima kept for the landscape experiment (hw1-3-3-landscape), before the points are stored.
            TrainedModels.Save(context, this, "interpolation", small, "small-batch");
            TrainedModels.Save(context, this, "interpolation", large, "large-batch");
            var theta1 = small.Parameters().Select(p => p.ToArray()).ToList();
            var theta2 = large.Parameters().Select(p => p.ToArray()).ToList();
            var alphas = Enumerable.Range(0, s.Alphas).Select(i => -1 + 3.0 * i / (s.Alphas - 1));
            var result = new List<Measurement>();
            foreach (var (alpha, (trainEval, testEval)) in ParameterInterpolation.Run(small.Parameters(), theta1, theta2, alphas,
                () => (Evaluation.Evaluate(small, train), Evaluation.Evaluate(small, test))))
            {
                result.Add(new("interpolation", "alpha", alpha, "train_loss", trainEval.Loss));
                result.Add(new("interpolation", "alpha", alpha, "test_loss", testEval.Loss));
                result.Add(new("interpolation", "alpha", alpha, "train_accuracy", trainEval.Accuracy));
                result.Add(new("interpolation", "alpha", alpha, "test_accuracy", testEval.Accuracy));
            }
            return result;
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
        Series Metric(string metric, string name, bool second) => new(name, points.Where(p => p.Metric == metric).Select(p => (p.X, p.Value)).ToList(), SecondAxis: second);
        return new ExperimentResults(points, [new("interpolation", Framework.Charts.Create($"Interpolating batch {s.SmallBatch} (α = 0) and batch {s.LargeBatch} (α = 1) minima",
            Framework.Charts.Subtitle(configuration, $"{ImageDatasets.Of(s.Dataset).Label}, {s.Net().Name}, Adadelta({F(s.LearningRate, "G")}, {F(s.Rho, "G")}, {F(s.Epsilon, "G")}), {s.Epochs} epochs; solid: loss (log, left), dashed: accuracy (right)"),
            new AxisSpec("α"), new AxisSpec("cross-entropy", Log: true),
            [Metric("train_loss", "train loss", false), Metric("test_loss", "test loss", false), Metric("train_accuracy", "train accuracy", true), Metric("test_accuracy", "test accuracy", true)],
            y2: new AxisSpec("accuracy (fraction)")))]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "rises-outside", "Along the line through the two minima, the loss rises steeply outside them (at α = -1 and α = 2).", RisesOutside),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        var loss = p.Where(x => x.Metric == "train_loss").ToDictionary(x => Math.Round(x.X, 6), x => x.Value);
        if (loss.Count == 0) yield break;
        double between = loss.Where(kv => kv.Key > 0 && kv.Key < 1).Select(kv => kv.Value).DefaultIfEmpty(double.NaN).Max();
        yield return $"Training loss {loss.GetValueOrDefault(0):G3} at α = 0 (small batch), {loss.GetValueOrDefault(1):G3} at α = 1 (large batch), at most {between:G3} in between, {loss.GetValueOrDefault(-1):G3} at α = -1 and {loss.GetValueOrDefault(2):G3} at α = 2.";
        if (between <= Math.Max(loss.GetValueOrDefault(0), loss.GetValueOrDefault(1))) yield return "No barrier between the two minima along this line.";
    }

    private static ClaimResult RisesOutside(IReadOnlyList<Measurement> p)
    {
        var loss = p.Where(x => x.Metric == "train_loss").ToDictionary(x => Math.Round(x.X, 6), x => x.Value);
        double inside = Math.Max(loss[0], loss[1]), outside = Math.Min(loss[-1], loss[2]);
        double factor = outside / inside;
        return new(Claim.Threshold(factor, 10, 2), $"training loss {F(loss[0], "G3")} and {F(loss[1], "G3")} at the minima, {F(loss[-1], "G3")} at α = -1 and {F(loss[2], "G3")} at α = 2 ({F(factor, "G3")}x)");
    }
}
