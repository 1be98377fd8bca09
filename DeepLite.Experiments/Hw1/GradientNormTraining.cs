using DeepLite.Analysis;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>HW1-2-2: the gradient norm and the loss at every iteration of training the MNIST MLP, in one figure.</summary>
public sealed class GradientNormTraining : IExperiment
{
    /// <summary>The settings of one preset (TrainPerClass 0: the whole training set).</summary>
    public sealed record Settings(
        [property: Setting("Epochs of training.", Min = 1)] int Epochs,
        [property: Setting("Images per SGD step.", Min = 1)] int BatchSize,
        [property: Setting("Training images per class of MNIST (0: the whole training set).", Min = 0)] int TrainPerClass,
        [property: Setting("SGD's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("SGD's momentum.", Min = 0, Max = 1)] double Momentum);

    /// <inheritdoc/>
    public string Id => "hw1-2-2";
    /// <inheritdoc/>
    public string Title => "HW1-2-2 Gradient norm during training";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["gradient-norm-and-loss"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Epochs: 20, BatchSize: 128, TrainPerClass: 0, 0.01, 0.9)
        : new Settings(Epochs: 10, BatchSize: 128, TrainPerClass: 200, 0.01, 0.9);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var cost = s.Epochs * (s.TrainPerClass == 0 ? 60_000 : s.TrainPerClass * 10) * 7e-6 + 2;
        return [new RunUnit("mlp-784-128-32-10", s.Epochs, cost, (context, seed) =>
        {
            var (train, _, _) = context.Subsets("mnist", s.TrainPerClass, 0);
            var random = new SeededRandom(seed);
            var model = Hw1Models.ImageMlp(random, 784, 128, 32, 10);
            var optimizer = new Sgd<float>(model.Parameters(), s.LearningRate, momentum: s.Momentum);
            var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: seed);
            var result = new List<Measurement>();
            int iteration = 0;
            for (int epoch = 1; epoch <= s.Epochs; epoch++)
            {
                double lossSum = 0;
                foreach (var batch in loader.Epoch(epoch - 1))
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    iteration++;
                    double loss = Trainer.Step(optimizer, () => Loss.SoftmaxCrossEntropy(model.Forward(batch.Images), batch.Labels), epoch: epoch, step: batch.Index + 1,
                        beforeUpdate: value =>
                        {
                            result.Add(new("mlp", "iteration", iteration, "loss", value));
                            result.Add(new("mlp", "iteration", iteration, "gradient_norm", GradientNorm.Of(model.Parameters())));
                        });
                    lossSum += loss;
                }
                context.Progress.Epoch("mlp-784-128-32-10", epoch, s.Epochs, lossSum / loader.BatchesPerEpoch, null);
            }
            return result;
        })];
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All;
        Series Metric(string metric, string name) => new(name, points.Where(p => p.Metric == metric).Select(p => (p.X, p.Value)).ToList());
        return new ExperimentResults(points, [new("gradient-norm-and-loss", Framework.Charts.CreateStacked("MNIST MLP 784-128-32-10: gradient norm and loss per iteration",
            Framework.Charts.Subtitle(configuration, $"SGD(lr {s.LearningRate}, momentum {s.Momentum}), batch {s.BatchSize}"),
            new AxisSpec("iteration"),
            [(new AxisSpec("gradient norm", Log: true), [Metric("gradient_norm", "gradient norm")]),
             (new AxisSpec("training loss (cross-entropy)", Log: true), [Metric("loss", "loss")])]))]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "gradient-does-not-vanish", "The training loss falls while the minibatch gradient norm does not fall to zero.", GradientDoesNotVanish),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        var g = p.Where(x => x.Metric == "gradient_norm").OrderBy(x => x.X).Select(x => x.Value).ToList();
        var l = p.Where(x => x.Metric == "loss").OrderBy(x => x.X).Select(x => x.Value).ToList();
        if (g.Count == 0) yield break;
        yield return $"{g.Count} iterations: gradient norm {g[0]:G3} at the start, peak {g.Max():G3}, {g[^1]:G3} at the end, while the loss went from {l[0]:G3} to {l[^1]:G3}.";
        if (g[^1] > 0.2 * g.Max()) yield return "The gradient norm stays of the same order while the loss falls: minibatch gradients do not vanish during training.";
    }

    private static ClaimResult GradientDoesNotVanish(IReadOnlyList<Measurement> p)
    {
        var g = p.Where(x => x.Metric == "gradient_norm").OrderBy(x => x.X).Select(x => x.Value).ToList();
        var l = p.Where(x => x.Metric == "loss").OrderBy(x => x.X).Select(x => x.Value).ToList();
        int tail = Math.Max(1, g.Count / 10);
        double endGradient = g.TakeLast(tail).Average(), peak = g.Max(), startLoss = l.Take(tail).Average(), endLoss = l.TakeLast(tail).Average();
        bool falls = endLoss < 0.5 * startLoss;
        double share = endGradient / peak;
        var verdict = !falls ? Verdict.NotConclusive : Claim.Threshold(share, 0.1, 0.02);
        return new(verdict, $"loss {F(startLoss, "G3")} -> {F(endLoss, "G3")}; gradient norm over the last tenth {F(endGradient, "G3")}, {F(share, "P0")} of its peak {F(peak, "G3")}");
    }
}
