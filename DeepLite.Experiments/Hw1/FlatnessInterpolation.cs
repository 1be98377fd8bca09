using DeepLite.Analysis;
using DeepLite.Experiments.Framework;
using DeepLite.Optimizers;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-3 part 1: two MLPs 784-256-128-10 trained with Adadelta(0.1, 0.95, 1e-8) at batch 128 and 1024;
/// loss and accuracy on the training and test sets along θ(α) = (1-α)θ1 + αθ2 for α from -1 to 2.
/// </summary>
public sealed class FlatnessInterpolation : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(int SmallBatch, int LargeBatch, int Epochs, int TrainPerClass, int TestCount, int Alphas, double LearningRate, double Rho, double Epsilon);

    /// <inheritdoc/>
    public string Id => "hw1-3-3-interpolation";
    /// <inheritdoc/>
    public string Title => "HW1-3-3 Flatness vs generalization, part 1: interpolation between two minima";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["interpolation"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(128, 1024, Epochs: 20, TrainPerClass: 0, TestCount: 0, Alphas: 61, 0.1, 0.95, 1e-8)
        : new Settings(128, 1024, Epochs: 20, TrainPerClass: 1000, TestCount: 2000, Alphas: 31, 0.1, 0.95, 1e-8); // 300 per class: the batch-1024 model made 60 steps and the claim's verdict differed from the full run's

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        double images = s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10, testImages = s.TestCount == 0 ? 10_000 : s.TestCount;
        // Measured 2026-11-29: the full preset in 15 s (two trainings of 20 epochs, 61 evaluations of 70,000 images).
        double cost = 2 * s.Epochs * images * 4e-6 + s.Alphas * (images + testImages) * 0.8e-6;
        // One unit: the interpolation needs both trained models, and storing them to interpolate elsewhere would cost
        // more than this experiment's whole run (seconds at the full preset).
        return [new RunUnit("interpolation", 2 * s.Epochs, cost, seed =>
        {
            var (train, test, _) = context.Subsets("mnist", s.TrainPerClass, s.TestCount);
            int[] widths = [784, 256, 128, 10];
            Optimizer<float> Adadelta(IReadOnlyList<DeepLite.Tensors.Tensor<float>> p) => new Adadelta<float>(p, s.LearningRate, s.Rho, s.Epsilon);
            var small = Training.TrainMlp(context, $"batch {s.SmallBatch}", widths, train, s.SmallBatch, s.Epochs, Adadelta, seed);
            var large = Training.TrainMlp(context, $"batch {s.LargeBatch}", widths, train, s.LargeBatch, s.Epochs, Adadelta, seed + 1);
            var theta1 = small.Parameters().Select(p => p.ToArray()).ToList();
            var theta2 = large.Parameters().Select(p => p.ToArray()).ToList();
            var alphas = Enumerable.Range(0, s.Alphas).Select(i => -1 + 3.0 * i / (s.Alphas - 1));
            var result = new List<Point>();
            foreach (var (alpha, (trainEval, testEval)) in ParameterInterpolation.Run(small.Parameters(), theta1, theta2, alphas,
                () => (Training.Evaluate(small, train), Training.Evaluate(small, test))))
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
    public ExperimentResults Assemble(ExperimentContext context, UnitResults units)
    {
        var s = context.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name, bool second) => new(name, points.Where(p => p.Metric == metric).Select(p => (p.X, p.Value)).ToList(), SecondAxis: second);
        return new ExperimentResults(points, [new("interpolation", Framework.Charts.Create($"Interpolating batch {s.SmallBatch} (α = 0) and batch {s.LargeBatch} (α = 1) minima",
            Framework.Charts.Subtitle(context, $"MLP 784-256-128-10, Adadelta(0.1, 0.95, 1e-8), {s.Epochs} epochs; solid: loss (log, left), dashed: accuracy (right)"),
            new AxisSpec("α"), new AxisSpec("cross-entropy", Log: true),
            [Metric("train_loss", "train loss", false), Metric("test_loss", "test loss", false), Metric("train_accuracy", "train accuracy", true), Metric("test_accuracy", "test accuracy", true)],
            y2: new AxisSpec("accuracy (fraction)")))]);
    }
}
