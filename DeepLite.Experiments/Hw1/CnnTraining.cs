using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

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
    /// (<see cref="Normalization"/>) instead of x / 255. <paramref name="Models"/> null: HW1's three (<see cref="Hw1Models.Cnns"/>).
    /// </summary>
    public sealed record Settings(
        [property: Setting("The datasets every model trains on, each on its own.", Choices = ["mnist", "fashion-mnist", "cifar10"])] string[] Datasets,
        [property: Setting("Training images per class of each dataset, in the order of datasets (0: the whole training set).", Min = 0)] int[] TrainPerClass,
        [property: Setting("Passes over the training images.", Min = 1)] int Epochs,
        [property: Setting("Images per optimizer step.", Min = 1)] int BatchSize,
        [property: Setting("Test images evaluated after each epoch (the first ones; 0: the whole test set).", Min = 0)] int TestCount,
        [property: Setting("The optimizer and its hyperparameters.")] OptimizerChoice Optimizer,
        [property: Setting("Feed each channel standardized by the dataset's usual mean and deviation (false: pixels / 255, as the report).")] bool Standardize,
        [property: Setting("The CNNs, each 'name: layers' (docs/hw1.md, \"Models as data\"); a dense layer after an image flattens it.", Separator = ';')] string[]? Models = null)
    {
        /// <summary>The training images per class of <paramref name="dataset"/> (0: all).</summary>
        public int TrainPerClassOf(string dataset)
        {
            if (TrainPerClass.Length != Datasets.Length)
                throw new ArgumentException($"CNN training settings: {Datasets.Length} dataset(s) but {TrainPerClass.Length} training sizes (trainPerClass); give one per dataset.");
            return TrainPerClass[Array.IndexOf(Datasets, dataset)];
        }

        /// <summary>The models as descriptions, each checked against every dataset's images and classes.</summary>
        public IReadOnlyList<ModelDescription> Cnns()
        {
            var models = ModelDescription.ParseAll(Models ?? Hw1Models.Cnns);
            foreach (var dataset in Datasets)
                foreach (var model in models) ImageModel.Checked(model, dataset);
            return models;
        }
    }

    /// <summary>
    /// The optimizer of a preset: "Adadelta" (Keras's semantics, the report's: learning rate, ρ, ε), "Adam" (learning rate
    /// and ε; PyTorch's β 0.9 and 0.999) or "Sgd" (learning rate and momentum, PyTorch's SGD).
    /// </summary>
    public sealed record OptimizerChoice(
        [property: Setting("Adadelta (the report's, Keras's semantics), Adam (PyTorch's β 0.9, 0.999) or Sgd (PyTorch's SGD).", Choices = ["Adadelta", "Adam", "Sgd"])] string Name,
        [property: Setting("The learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("ε of Adadelta and Adam.", Min = 0)] double Epsilon,
        [property: Setting("ρ of Adadelta (the decay of its averages).", Min = 0, Max = 1)] double? Rho = null,
        [property: Setting("Momentum of Sgd (none: 0).", Min = 0, Max = 1)] double? Momentum = null)
    {
        /// <summary>The optimizer over <paramref name="parameters"/>.</summary>
        public Optimizer<float> Create(IEnumerable<Tensor<float>> parameters) => Name switch
        {
            "Adadelta" => new Adadelta<float>(parameters, LearningRate, Rho ?? throw new ArgumentException("CNN training settings: Adadelta needs its ρ (optimizer.rho)."), Epsilon),
            "Adam" => new Adam<float>(parameters, LearningRate, epsilon: Epsilon),
            "Sgd" => new Sgd<float>(parameters, LearningRate, momentum: Momentum ?? 0),
            _ => throw new ArgumentException($"CNN training settings: unknown optimizer '{Name}'; use Adadelta, Adam or Sgd."),
        };

        /// <summary>Refuses settings the optimizer would not take (Adadelta without ρ), before any work.</summary>
        public void Check()
        {
            if (Name == "Adadelta" && Rho is null) throw new ArgumentException("CNN training settings: Adadelta needs its ρ (--set optimizer.rho=0.95).");
        }

        /// <summary>As the charts' subtitles show it, e.g. "Adadelta(lr 0.1, ρ 0.95, ε 1e-8)".</summary>
        public override string ToString()
        {
            var c = System.Globalization.CultureInfo.InvariantCulture;
            string lr = LearningRate.ToString("G", c), epsilon = Epsilon.ToString("0.###e0", c);
            return Name switch
            {
                "Sgd" => $"SGD(lr {lr}, momentum {(Momentum ?? 0).ToString("G", c)})",
                _ => Rho is { } rho && Name == "Adadelta" ? $"{Name}(lr {lr}, ρ {rho.ToString("G", c)}, ε {epsilon})" : $"{Name}(lr {lr}, ε {epsilon})",
            };
        }
    }

    /// <inheritdoc/>
    public string Id => "hw1-1-2";
    /// <inheritdoc/>
    public string Title => "HW1-1-2 Train on actual tasks: CNNs on MNIST and CIFAR-10";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["mnist-loss", "mnist-accuracy", "cifar10-loss", "cifar10-accuracy"];

    /// <inheritdoc/>
    public IReadOnlyList<string> ChartsFor(RunConfiguration configuration) =>
        [.. configuration.SettingsFor<Settings>(this).Datasets.SelectMany(d => new[] { $"{d}-loss", $"{d}-accuracy" })];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(["mnist", "cifar10"], TrainPerClass: [0, 0], Epochs: 20, BatchSize: 256, TestCount: 0, new("Adadelta", 0.1, 1e-8, Rho: 0.95), Standardize: false, Hw1Models.Cnns)
        // Chosen (2026-11-29) so that the claim has the full preset's verdict: at the last two epochs the 1-hidden CNN has
        // the lowest test accuracy on both datasets. MNIST needs a few hundred images a class, CIFAR-10 1,500 and 5 epochs.
        : new Settings(["mnist", "cifar10"], TrainPerClass: [300, 1500], Epochs: 5, BatchSize: 64, TestCount: 1000, new("Adam", 1e-3, 1e-8), Standardize: true, Hw1Models.Cnns);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        s.Optimizer.Check();
        var models = s.Cnns();
        var units = new List<RunUnit>();
        foreach (var dataset in s.Datasets)
        {
            int perClass = s.TrainPerClassOf(dataset);
            var info = ImageDatasets.Of(dataset);
            (ImageDataset Train, ImageDataset Test) Data(ExperimentContext context) => context.Shared($"{dataset} data", () =>
            {
                var (train, test, splits) = context.Subsets(dataset, perClass, s.TestCount);
                context.Progress.Message($"{dataset}: {train.Count} training and {test.Count} test images from {splits.Source}");
                return (train, test);
            });
            // Per training image and epoch, the three models' share each (benchmarks/README.md, "Unit cost estimates"), for
            // HW1's CNNs; another model is costed as one of them.
            double images = perClass == 0 ? info.TrainImages : perClass * info.Classes;
            double cost = images * (info.Shape[0] == 1 ? 2.5e-3 : 3.6e-3) / 3 * s.Epochs;
            foreach (var model in models)
            {
                var run = $"{dataset}/{model.Name}";
                units.Add(new RunUnit(run, s.Epochs, cost, (context, seed) =>
                {
                    var (train, test) = Data(context);
                    return Train(context, context.Checkpoint(this, run), dataset, model, train, test, s, seed,
                        trained => TrainedModels.Save(context, this, run, trained));
                }));
            }
        }
        return units;
    }

    /// <inheritdoc/>
    public IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        return ImageModel.On(s.Datasets[0], s.Cnns());
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var charts = s.Datasets.SelectMany(dataset => Draw(configuration, s, dataset, units.All)).ToList();
        var counts = units.All.Where(p => p.Metric == "parameter_count").ToDictionary(p => p.Run, p => (object)(long)p.Value);
        return new ExperimentResults(units.All, charts, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static List<Measurement> Train(ExperimentContext context, RunCheckpoint checkpoint, string dataset, ModelDescription description,
        ImageDataset train, ImageDataset test, Settings s, long seed, Action<Module<float>> keep)
    {
        var random = new SeededRandom(seed);
        var name = description.Name;
        var model = description.Build<float>([train.Channels, train.Height, train.Width], train.ClassNames.Count, random);
        context.Progress.Message($"{dataset} {name}: {model.ParameterCount:N0} parameters");
        var optimizer = s.Optimizer.Create(model.Parameters());
        if (s.Standardize && ImageDatasets.Of(dataset).Standardization is var standard) (train, test) = (train.Normalized(standard), test.Normalized(standard));
        var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: seed);
        var run = $"{dataset}/{name}";
        var points = checkpoint.Points;
        int done = checkpoint.Resume(model, optimizer);
        if (done == 0) points.Add(new(run, "params", 0, "parameter_count", model.ParameterCount));
        for (int epoch = done + 1; epoch <= s.Epochs; epoch++)
        {
            var (loss, accuracy) = Trainer.ClassificationEpoch(model, optimizer, loader, epoch - 1, cancellation: context.Cancellation);
            var (testLoss, testAccuracy) = Evaluation.Evaluate(model, test, 500);
            points.Add(new(run, "epoch", epoch, "train_loss", loss));
            points.Add(new(run, "epoch", epoch, "train_accuracy", accuracy));
            points.Add(new(run, "epoch", epoch, "test_loss", testLoss));
            points.Add(new(run, "epoch", epoch, "test_accuracy", testAccuracy));
            context.Progress.Epoch(run, epoch, s.Epochs, loss, accuracy);
            // The claim is judged on the test accuracy: the log says it too, once a model is trained.
            if (epoch == s.Epochs) context.Progress.Message($"{run}: test accuracy {testAccuracy:P1} after {epoch} epochs (training {accuracy:P1})");
            checkpoint.EpochFinished(model, optimizer, epoch);
        }
        // Kept for the landscape experiment (hw1-1-2-landscape), before the points are stored.
        keep(model);
        return points;
    }

    private static IEnumerable<Chart> Draw(RunConfiguration configuration, Settings s, string dataset, IReadOnlyList<Measurement> points)
    {
        var label = ImageDatasets.Of(dataset).Label;
        Series Curve(string model, string metric, string? name = null, int? color = null, bool dashed = false) =>
            new(name ?? model, points.Where(p => p.Run == $"{dataset}/{model}" && p.Metric == metric).Select(p => (p.X, p.Value)).ToList(), Dashed: dashed, Color: color);
        var models = s.Cnns().Select(c => c.Name).ToList();
        var detail = $"{s.Optimizer}, batch {s.BatchSize}{(s.Standardize ? ", standardized pixels" : "")}; averaged over each epoch's batches";
        yield return new($"{dataset}-loss", Framework.Charts.Create($"{label}: training loss", Framework.Charts.Subtitle(configuration, detail),
            new AxisSpec("epoch"), new AxisSpec("training loss (cross-entropy)", Log: true), models.Select(m => Curve(m, "train_loss"))));
        // The claim is judged on the test accuracy: both are drawn, each model in one color (training solid, test dashed).
        yield return new($"{dataset}-accuracy", Framework.Charts.Create($"{label}: training (solid) and test (dashed) accuracy",
            Framework.Charts.Subtitle(configuration, detail + "; test: after each epoch"),
            new AxisSpec("epoch"), new AxisSpec("accuracy (fraction)"),
            models.SelectMany((m, i) => new[] { Curve(m, "train_accuracy", $"{m} train", i), Curve(m, "test_accuracy", $"{m} test", i, dashed: true) })));
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "one-hidden-worst", "The 1-hidden CNN is the worst of the three on both MNIST and CIFAR-10 (final test accuracy).", OneHiddenWorst),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        foreach (var dataset in p.Select(x => x.Run.Split('/')[0]).Distinct())
        {
            var final = p.Where(x => x.Metric == "train_accuracy" && x.Run.StartsWith(dataset + "/")).GroupBy(x => x.Run.Split('/')[1])
                .Select(g => (Model: g.Key, Accuracy: g.MaxBy(x => x.X)!.Value)).OrderByDescending(x => x.Accuracy).ToList();
            var test = p.Where(x => x.Metric == "test_accuracy" && x.Run.StartsWith(dataset + "/")).GroupBy(x => x.Run.Split('/')[1]).ToDictionary(g => g.Key, g => g.MaxBy(x => x.X)!.Value);
            yield return $"{dataset}: final training accuracy " + string.Join(", ", final.Select(f => $"{f.Model} {f.Accuracy:P1} (test {test.GetValueOrDefault(f.Model):P1})")) + ".";
            if (final.All(f => f.Accuracy < 0.5)) yield return $"Expected the CNNs to learn {dataset} well; with these epochs none passed 50% training accuracy (too few steps at these settings: the full preset's Adadelta at lr 0.1 starts slowly).";
        }
    }

    /// <summary>
    /// Judged per dataset on the test accuracy (held-out images: how a model does on the task), at the last epoch and at
    /// the one before: a dataset where the 1-hidden CNN is the worst at one of them and not at the other is not ranked,
    /// since its curves are still crossing the others'. Early in training the 1-hidden CNN leads (it learns fastest);
    /// at the full preset it is last on MNIST from epoch 2 and on CIFAR-10 first at epoch 13, for good from 17
    /// (training accuracy: from 14). Training accuracy is not the judge: on the few thousand images of a short run the 1-hidden CNN's
    /// 1.5M-weight dense layer memorizes them (the quick preset: CIFAR-10 training accuracy 17 points above test), so
    /// there it measures memorization; at the full preset both agree. The evidence shows both.
    /// </summary>
    private static ClaimResult OneHiddenWorst(IReadOnlyList<Measurement> p)
    {
        var datasets = p.Where(x => x.Metric == "test_accuracy").Select(x => x.Run.Split('/')[0]).Distinct().ToList();
        if (datasets.Count == 0) throw new InvalidOperationException("no test accuracies");
        int worst = 0, crossing = 0;
        var notes = new List<string>();
        foreach (var d in datasets)
        {
            var (one, four, eight) = (LastTwo(p, $"{d}/CNN 1 hidden"), LastTwo(p, $"{d}/CNN 4 hidden"), LastTwo(p, $"{d}/CNN 8 hidden"));
            bool worstNow = one.Last < Math.Min(four.Last, eight.Last), worstBefore = one.Before < Math.Min(four.Before, eight.Before);
            if (worstNow != worstBefore) crossing++;
            else if (worstNow) worst++;
            string Train(string model) => F(Final(p, $"{d}/{model}", "train_accuracy"), "P1");
            notes.Add($"{d}: test 1 hidden {F(one.Last, "P1")}, 4 hidden {F(four.Last, "P1")}, 8 hidden {F(eight.Last, "P1")}" +
                (worstNow == worstBefore ? "" : $", still crossing (1 hidden {(worstBefore ? "" : "not ")}worst an epoch before)") +
                $"; training {Train("CNN 1 hidden")}, {Train("CNN 4 hidden")}, {Train("CNN 8 hidden")}");
        }
        if (crossing > 0)
            return new(Verdict.TooShort, $"the test accuracies are still crossing on {crossing} of {datasets.Count} datasets ({string.Join("; ", notes)})");
        var verdict = worst == datasets.Count ? Verdict.Holds : worst == 0 ? Verdict.DoesNotHold : Verdict.NotConclusive;
        return new(verdict, $"worst on {worst} of {datasets.Count} datasets at the last two epochs ({string.Join("; ", notes)})");
    }

    /// <summary>A run's test accuracy at its last epoch and at the one before (it needs two epochs).</summary>
    private static (double Last, double Before) LastTwo(IReadOnlyList<Measurement> p, string run)
    {
        var last = p.Where(x => x.Run == run && x.Metric == "test_accuracy").OrderByDescending(x => x.X).Take(2).ToList();
        if (last.Count < 2) throw new InvalidOperationException($"{run} has fewer than two epochs of test_accuracy");
        return (last[0].Value, last[1].Value);
    }
}
