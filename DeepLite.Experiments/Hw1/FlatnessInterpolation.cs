using DeepLite.Analysis;
using DeepLite.Experiments.Framework;
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
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        double images = s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10, testImages = s.TestCount == 0 ? 10_000 : s.TestCount;
        // Per image trained and evaluated (benchmarks/README.md, "Unit cost estimates").
        double cost = 2 * s.Epochs * images * 4e-6 + s.Alphas * (images + testImages) * 0.8e-6;
        // One unit: the interpolation needs both trained models, and storing them to interpolate elsewhere would cost
        // more than this experiment's whole run (seconds at the full preset).
        return [new RunUnit("interpolation", 2 * s.Epochs, cost, (context, seed) =>
        {
            var (train, test, _) = context.Subsets("mnist", s.TrainPerClass, s.TestCount);
            int[] widths = [784, 256, 128, 10];
            Optimizer<float> Adadelta(IReadOnlyList<DeepLite.Tensors.Tensor<float>> p) => new Adadelta<float>(p, s.LearningRate, s.Rho, s.Epsilon);
            // Both trainings report as this unit's epochs: 1..20 at the small batch, 21..40 at the large one.
            var small = MlpTraining.Train(context, "interpolation", widths, train, s.SmallBatch, s.Epochs, Adadelta, seed, unitEpochs: 2 * s.Epochs);
            var large = MlpTraining.Train(context, "interpolation", widths, train, s.LargeBatch, s.Epochs, Adadelta, seed + 1, epochOffset: s.Epochs, unitEpochs: 2 * s.Epochs);
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
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name, bool second) => new(name, points.Where(p => p.Metric == metric).Select(p => (p.X, p.Value)).ToList(), SecondAxis: second);
        return new ExperimentResults(points, [new("interpolation", Framework.Charts.Create($"Interpolating batch {s.SmallBatch} (α = 0) and batch {s.LargeBatch} (α = 1) minima",
            Framework.Charts.Subtitle(configuration, $"MLP 784-256-128-10, Adadelta(0.1, 0.95, 1e-8), {s.Epochs} epochs; solid: loss (log, left), dashed: accuracy (right)"),
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
