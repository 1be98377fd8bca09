using System.Text.Json;
using DeepLite.Experiments.Cli;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Hw1;
using DeepLite.Experiments.Models;
using DeepLite.Tensors;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>
/// The console as a lab: settings changed from the command line (<c>--set</c>, <c>--config</c>) checked against each
/// experiment's declared settings before any work, models given as descriptions, and what ran recorded (fingerprint,
/// resume, manifest, charts, REPORT.md).
/// </summary>
public class LabTests
{
    private static RunConfiguration Configure(IExperiment experiment, params string[] set) =>
        ExperimentOptions.Configuration([experiment], Preset.Quick, 1, set, null);

    private static T Settings<T>(IExperiment experiment, params string[] set) where T : class => Configure(experiment, set).SettingsFor<T>(experiment);

    [Fact]
    public void EverySettingOfEveryExperimentIsDescribedAndEveryPresetIsInRange()
    {
        foreach (var experiment in ExperimentRegistry.All)
            foreach (var preset in new[] { Preset.Quick, Preset.Full })
            {
                var settings = experiment.PresetSettings(preset);
                var schema = SettingsSchema.Of(settings.GetType());
                Assert.NotEmpty(schema);
                Assert.All(schema, s => Assert.False(string.IsNullOrWhiteSpace(s.Declared.Meaning), $"{experiment.Id}: {s.Key} has no meaning"));
                SettingsOverrides.Check(experiment.Id, settings);
                // The preset's own models are checked where its units are listed.
                Assert.NotEmpty(experiment.Units(new RunConfiguration { Preset = preset }));
            }
    }

    [Fact]
    public void SetTakesTypedValuesListsNestedKeysAliasesAndAppends()
    {
        var cnn = new CnnTraining();
        var s = Settings<CnnTraining.Settings>(cnn, "epochs=50", "optimizer.name=sgd", "optimizer.lr=0.05", "optimizer.momentum=0.9",
            "datasets=fashion-mnist", "train_per_class=100", "standardize=false", "models+=mine: conv 16 3x3 same, relu, maxpool 2, dense 10");
        Assert.Equal(50, s.Epochs);
        Assert.Equal(new CnnTraining.OptimizerChoice("Sgd", 0.05, 1e-8, null, 0.9), s.Optimizer);
        Assert.Equal(["fashion-mnist"], s.Datasets);
        Assert.Equal([100], s.TrainPerClass);
        Assert.False(s.Standardize);
        Assert.Equal(4, s.Models!.Length);
        Assert.Equal(["CNN 1 hidden", "CNN 4 hidden", "CNN 8 hidden", "mine"], s.Cnns().Select(m => m.Name));
        // Lists as JSON, and a nested group as a JSON object.
        var sensitivity = Settings<FlatnessSensitivity.Settings>(new FlatnessSensitivity(), "batchSizes=[16, 64]", "epsilons=1e-3");
        Assert.Equal([16, 64], sensitivity.BatchSizes);
        Assert.Equal([1e-3], sensitivity.Epsilons);
        var adam = Settings<CnnTraining.Settings>(cnn, """optimizer={"name": "Adam", "learningRate": 0.002, "epsilon": 1e-7}""");
        Assert.Equal(new CnnTraining.OptimizerChoice("Adam", 0.002, 1e-7), adam.Optimizer);
    }

    [Theory]
    [InlineData("epoch=5", "has no setting 'epoch'. Did you mean 'epochs'?")]
    [InlineData("name=Adam", "Did you mean 'optimizer.name'?")]
    [InlineData("optimiser.lr=1", "has no setting 'optimiser.lr'")]
    [InlineData("epochs=five", "'epochs' takes whole number; got 'five'")]
    [InlineData("epochs=2.5", "'epochs' takes whole number; got '2.5'")]
    [InlineData("epochs=0", "'epochs' must be at least 1; got 0")]
    [InlineData("optimizer.learningRate=-1", "'optimizer.learningRate' must be at least 0; got -1")]
    [InlineData("optimizer.rho=1.5", "'optimizer.rho' must be between 0 and 1; got 1.5")]
    [InlineData("optimizer.name=AdamW", "'optimizer.name' must be one of Adadelta, Adam, Sgd; got 'AdamW'")]
    [InlineData("datasets=svhn", "'datasets' must be one of mnist, fashion-mnist, cifar10; got 'svhn'")]
    [InlineData("trainPerClass=1,x", "'trainPerClass' takes list of whole numbers (a,b,c or a JSON list); got '1,x'")]
    [InlineData("standardize=yes", "'standardize' takes true or false; got 'yes'")]
    [InlineData("epochs+=3", "'epochs' is not a list; use = instead of +=")]
    [InlineData("datasets=", "'datasets' needs at least one item")]
    [InlineData("optimizer=Adam", "'optimizer' takes a JSON object")]
    [InlineData("epochs", "expected key=value")]
    public void BadKeysAndValuesSayWhatIsExpected(string set, string message)
    {
        var e = Assert.Throws<SettingsException>(() => Configure(new CnnTraining(), set));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AnUnknownKeyListsTheValidOnes()
    {
        var e = Assert.Throws<SettingsException>(() => Configure(new RandomLabels(), "hidden=3"));
        Assert.Contains("Its settings: epochs, batchSize, trainPerClass, testCount, learningRate, momentum, dataset, model", e.Message);
    }

    [Fact]
    public void ASettingForOneExperimentChangesOnlyIt()
    {
        IExperiment cnn = new CnnTraining(), labels = new RandomLabels();
        var configuration = ExperimentOptions.Configuration([cnn, labels], Preset.Quick, 1, ["hw1-3-1:epochs=7"], null);
        Assert.Equal(7, configuration.SettingsFor<RandomLabels.Settings>(labels).Epochs);
        Assert.Equal(5, configuration.SettingsFor<CnnTraining.Settings>(cnn).Epochs);
        Assert.Empty(configuration.Changes(cnn));
        // Named, it reaches an experiment that does not run (one that reads another's units sees its settings) ...
        Assert.Equal(7, ExperimentOptions.Configuration([cnn], Preset.Quick, 1, ["hw1-3-1:epochs=7"], null).SettingsFor<RandomLabels.Settings>(labels).Epochs);
        Assert.Contains("unknown experiment 'hw1-9'", Assert.Throws<SettingsException>(() =>
            ExperimentOptions.Configuration([cnn], Preset.Quick, 1, ["hw1-9:epochs=7"], null)).Message);
        // Set for every experiment run, a key must be each one's.
        Assert.Contains("hw1-2-3 has no setting 'epochs'", Assert.Throws<SettingsException>(() =>
            ExperimentOptions.Configuration([cnn, new MinimalRatio()], Preset.Quick, 1, ["epochs=7"], null)).Message);
    }

    [Fact]
    public void AConfigFileSetsSeveralExperimentsAndItsMistakesAreNamed()
    {
        using var fx = new Data.Fixtures();
        var path = Path.Combine(fx.Folder, "lab.json");
        File.WriteAllText(path, """
            {
              // comments are allowed
              "hw1-1-2": { "epochs": 3, "optimizer": { "name": "adam", "lr": 0.01 }, "datasets": ["fashion-mnist"], "trainPerClass": [50] },
              "hw1-3-1": { "epochs": 9 }
            }
            """);
        IExperiment cnn = new CnnTraining(), labels = new RandomLabels();
        var configuration = ExperimentOptions.Configuration([cnn, labels], Preset.Full, 1, ["hw1-3-1:epochs=11"], path);
        var s = configuration.SettingsFor<CnnTraining.Settings>(cnn);
        Assert.Equal((3, "Adam", 0.01, 0.95), (s.Epochs, s.Optimizer.Name, s.Optimizer.LearningRate, s.Optimizer.Rho!.Value));
        Assert.Equal(11, configuration.SettingsFor<RandomLabels.Settings>(labels).Epochs); // --set applies after the file
        Assert.Equal(["datasets mnist, cifar10 → fashion-mnist", "trainPerClass 0, 0 → 50", "epochs 20 → 3", "optimizer.name Adadelta → Adam", "optimizer.learningRate 0.1 → 0.01"],
            configuration.Changes(cnn).Select(c => c.ToString()));

        void Refused(string json, string message)
        {
            File.WriteAllText(path, json);
            Assert.Contains(message, Assert.Throws<SettingsException>(() => ExperimentOptions.Configuration([cnn], Preset.Quick, 1, null, path)).Message);
        }
        Refused("""{"hw1-9": {"epochs": 3}}""", "unknown experiment 'hw1-9'. Known: hw1-1-1, hw1-1-2");
        Refused("""{"hw1-1-2": {"epochs": "3"}}""", "'epochs' takes whole number; got '\"3\"'");
        Refused("""{"hw1-1-2": {"epochs": 3,}, }x""", "not valid JSON at line 1");
        Refused("""{"hw1-1-2": {"epocs": 3}}""", "Did you mean 'epochs'?");
        Refused("""[1]""", "expected a JSON object with one object per experiment id");
        Assert.Contains("cannot read it", Assert.Throws<SettingsException>(() => ExperimentOptions.Configuration([cnn], Preset.Quick, 1, null, Path.Combine(fx.Folder, "missing.json"))).Message);
    }

    [Theory]
    [InlineData("deep: dense 64, relu, dense 10", null)]
    [InlineData("conv 8 3x3, relu, maxpool 2, dense 10", null)]
    [InlineData("c: conv 8 5 valid stride 2, batchnorm, leakyrelu 0.2, dropout 0.25, flatten, dense 10", null)]
    [InlineData("x: dense 64, swish, dense 10", "layer 2 'swish': unknown layer 'swish'; the layers are dense, conv, maxpool")]
    [InlineData("x: conv 8 3x5, dense 10", "layer 1 'conv 8 3x5': the kernel must be KxK")]
    [InlineData("x: conv 8, dense 10", "needs a kernel size")]
    [InlineData("x: dense -3, dense 10", "a width (dense N) must be a positive whole number, got '-3'")]
    [InlineData("x: dense 64, dense 5", "Model 'x' ends with output [5]; the data needs 10 values per example: end with 'dense 10'")]
    [InlineData("x: dense 64, conv 8 3x3, dense 10", "layer 2 'conv 8 3x3': needs an image-shaped input [channels, height, width] (its input: [64])")]
    [InlineData("x: maxpool 2, maxpool 2, maxpool 2, maxpool 2, maxpool 2, dense 10", "layer 5 'maxpool 2': the 2x2 window is larger than the 1x1 image")]
    [InlineData("x: dropout 1.5, dense 10", "needs a probability in [0, 1)")]
    [InlineData("x: dense 10 relu", "unexpected 'relu'")]
    [InlineData("a/b: dense 10", "a name may not hold '/'")]
    [InlineData("x: dense 64,, dense 10", "layer 2 '': empty")]
    public void ModelDescriptionsAreCheckedWithTheLayerAndShapeNamed(string text, string? problem)
    {
        if (problem is null)
        {
            var model = ModelDescription.Parse(text);
            var built = model.Build<float>([1, 28, 28], 10, new SeededRandom(1));
            Assert.Equal(model.ParameterCount([1, 28, 28], 10), built.ParameterCount);
            Assert.Equal([2, 10], built.Forward(Tensor<float>.Zeros(2, 1, 28, 28)).Shape.ToArray());
            return;
        }
        var e = Assert.Throws<ArgumentException>(() => ModelDescription.Parse(text).Check([1, 28, 28], 10));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void HW1sModelsAreDescriptionsThatBuildTheirModelsDrawForDraw()
    {
        // HW1's 784-256-128-10 as the old code built it: flatten, then dense layers with ReLU between, from one generator.
        var described = ModelDescription.Parse(Hw1Models.Mlp256).Build<float>([1, 28, 28], 10, new SeededRandom(9));
        var built = Hw1Models.ImageMlp(new SeededRandom(9), 784, 256, 128, 10);
        Assert.Equal(built.Summary(1, 28, 28), described.Summary(1, 28, 28));
        foreach (var (a, b) in built.Parameters().Zip(described.Parameters())) Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Equal([1_205_650L, 1_519_274, 1_425_546], Hw1Models.Cnns.Select(c => ModelDescription.Parse(c).ParameterCount([1, 28, 28], 10)));
    }

    [Fact]
    public void AModelThatDoesNotFitTheDatasetIsRefusedBeforeAnyWork()
    {
        // A description written for MNIST's 28x28 images, moved to CIFAR-10: still fine (dense layers take any input) ...
        Assert.NotEmpty(new RandomLabels().Units(Configure(new RandomLabels(), "dataset=cifar10")));
        // ... but one pool too many for 28x28 is named with its dataset.
        var e = Assert.Throws<ArgumentException>(() => new CnnTraining().Units(Configure(new CnnTraining(),
            "models=tiny: conv 8 3x3, maxpool 4, maxpool 4, maxpool 4, dense 10")));
        Assert.Contains("On MNIST (1x28x28 images, 10 classes): Model 'tiny', layer 4 'maxpool 4'", e.Message);
    }

    [Fact]
    public void ChangedSettingsChangeTheFingerprintAndRunKeysAndSayWhatChanged()
    {
        var labels = new RandomLabels();
        var preset = new RunConfiguration { Preset = Preset.Quick, Seed = 1 };
        var changed = Configure(labels, "epochs=70", "lr=0.02");
        var again = Configure(labels, "learning_rate=0.02", "epochs=70");
        Assert.NotEqual(preset.Fingerprint(labels), changed.Fingerprint(labels));
        Assert.NotEqual(preset.RunKey(labels, "u"), changed.RunKey(labels, "u"));
        Assert.Equal(changed.Fingerprint(labels), again.Fingerprint(labels));
        Assert.EndsWith("(changed from the preset: epochs 60 → 70; learningRate 0.01 → 0.02)", changed.Fingerprint(labels));
        // Setting a value to the preset's is no change at all.
        Assert.Equal(preset.Fingerprint(labels), Configure(labels, "epochs=60").Fingerprint(labels));
    }

    [Fact]
    public void ARunOfChangedSettingsResumesWithTheSameAndRefusesOthers()
    {
        using var fx = new Data.Fixtures();
        var labels = new RandomLabels();
        var set = new[] { "epochs=3", "batchSize=10", "trainPerClass=0", "testCount=0", "model=small: dense 16, relu, dense 10" };
        var configuration = Configure(labels, set);
        using var cancel = new CancellationTokenSource();
        var first = new ExperimentContext { OutputRoot = fx.Folder, Data = Synthetic, CheckpointInterval = TimeSpan.Zero, Cancellation = cancel.Token, Progress = new CancelAtEpoch(2, cancel), Configuration = configuration };
        first.Store.ClaimFolder(labels);
        Assert.ThrowsAny<OperationCanceledException>(() => ExperimentRunner.Run(labels, first));
        // The same changes resume after epoch 2 ...
        var progress = new RecordingProgress();
        var second = new ExperimentContext { OutputRoot = fx.Folder, Data = Synthetic, Progress = progress, Configuration = Configure(labels, set) };
        second.Store.ClaimFolder(labels);
        ExperimentRunner.Run(labels, second);
        Assert.Equal([3], progress.Epochs);
        Assert.Equal(3, Results(labels, second).Where(p => p.Metric == "train_loss").Count());
        // ... other ones are refused, naming both.
        var other = Configure(labels, [.. set, "epochs=4"]);
        var e = Assert.Throws<InvalidOperationException>(() => new RunStore(fx.Folder, other).ClaimFolder(labels));
        Assert.Contains("epochs 60 → 3", e.Message);
        Assert.Contains("epochs 60 → 4", e.Message);
    }

    [Fact]
    public void WhatRanIsRecordedInTheManifestTheChartsAndTheReport()
    {
        using var fx = new Data.Fixtures();
        var labels = new RandomLabels();
        var context = new ExperimentContext
        {
            OutputRoot = fx.Folder, Data = Synthetic,
            Configuration = Configure(labels, "epochs=2", "batchSize=10", "trainPerClass=0", "testCount=0", "momentum=0.5", "model=small: dense 16, relu, dense 10"),
        };
        ExperimentRunner.Run(labels, context);
        var folder = context.Store.Folder(labels);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "manifest.json"))))
        {
            var changes = manifest.RootElement.GetProperty("changedFromPreset").EnumerateArray().Select(c => c.GetProperty("key").GetString()).ToList();
            Assert.Equal(["epochs", "batchSize", "trainPerClass", "testCount", "momentum", "model"], changes);
            Assert.Equal("small: dense 16, relu, dense 10", manifest.RootElement.GetProperty("settings").GetProperty("model").GetString());
        }
        var svg = File.ReadAllText(Path.Combine(folder, "loss.svg"));
        Assert.Contains("changed from the quick preset: epochs 60 → 2", svg);
        Assert.Contains("small, SGD(0.01, 0.5)", svg);
        var (md, _) = ReportWriter.Write(fx.Folder, [labels], new Dictionary<string, ClaimRecord> { ["hw1-3-1/random-labels"] = new("hw1-3-1", "random-labels", "s", "full", Verdict.Holds, "e") });
        var report = File.ReadAllText(md);
        Assert.Contains("Changed from the quick preset (--set / --config):\n- `epochs`: 60 → 2\n", report);
        Assert.Contains("(quick, changed: epochs, batchSize, trainPerClass, testCount, momentum, model) | holds", report);
        Assert.Contains("A verdict marked \"changed\" judges results of settings changed from the preset", report);
        var claims = ClaimRecord.Read(File.ReadAllText(Path.Combine(fx.Folder, "claims.json")));
        Assert.Equal(6, claims.Single().Changed!.Count);
    }

    [Fact]
    public void AnotherDatasetDrawsItsOwnChartsAndTheReportShowsThem()
    {
        using var fx = new Data.Fixtures();
        var cnn = new CnnTraining();
        var context = new ExperimentContext
        {
            OutputRoot = fx.Folder, Data = Synthetic,
            Configuration = Configure(cnn, "datasets=fashion-mnist", "trainPerClass=0", "epochs=2", "batchSize=10", "testCount=0", "models=tiny: conv 4 3x3 same, relu, maxpool 2, dense 10"),
        };
        Assert.Equal(["fashion-mnist-loss", "fashion-mnist-accuracy"], cnn.ChartsFor(context.Configuration));
        ExperimentRunner.Run(cnn, context);
        var folder = context.Store.Folder(cnn);
        AssertValidSvg(Path.Combine(folder, "fashion-mnist-accuracy.svg"));
        Assert.Contains("Fashion-MNIST: training loss", File.ReadAllText(Path.Combine(folder, "fashion-mnist-loss.svg")));
        Assert.Contains("fashion-mnist/tiny,epoch,2,test_accuracy,", ResultsCsv(cnn, context));
        var (md, _) = ReportWriter.Write(fx.Folder, [cnn]);
        var report = File.ReadAllText(md);
        Assert.Contains("![fashion-mnist-loss](hw1-1-2/fashion-mnist-loss.png)", report);
        Assert.DoesNotContain("mnist-loss](hw1-1-2/mnist-loss", report);
        // The claim about HW1's three CNNs has nothing to judge here, and says so.
        Assert.Contains("the results lack what this claim needs", report);
    }

    [Fact]
    public void APresetRunRecordsNoChanges()
    {
        using var fx = new Data.Fixtures();
        var context = new ExperimentContext { OutputRoot = fx.Folder, Data = Synthetic, Configuration = new() { Seed = 1, Preset = Preset.Quick, SettingsOverride = new FunctionSimulation.Settings(16, 2, 8, 1e-2, 10, ["sinc-5"], Hw1Models.FunctionNets) } };
        var fit = new FunctionSimulation();
        // A test's typed override is a change too (points, epochs, ...): only a run at the preset's own settings records none.
        Assert.NotEmpty(context.Configuration.Changes(fit));
        Assert.Empty(new RunConfiguration { Preset = Preset.Full }.Changes(fit));
    }

    private sealed class CancelAtEpoch(int epoch, CancellationTokenSource cancel) : IExperimentProgress
    {
        public void RunStarted(string experiment, string run, int epochs, bool cached) { }
        public void Epoch(string run, int e, int epochs, double loss, double? accuracy) { if (e == epoch) cancel.Cancel(); }
        public void RunFinished(string run) { }
        public void Message(string text) { }
    }

    private sealed class RecordingProgress : IExperimentProgress
    {
        public List<int> Epochs { get; } = [];
        public void RunStarted(string experiment, string run, int epochs, bool cached) { }
        public void Epoch(string run, int e, int epochs, double loss, double? accuracy) => Epochs.Add(e);
        public void RunFinished(string run) { }
        public void Message(string text) { }
    }
}
