using DeepLite.Data;

namespace DeepLite.Tests.Experiments;

/// <summary>The console's lab verbs as a user types them: <c>--set</c> refused before any work, <c>describe</c>, and a changed run on Fashion-MNIST.</summary>
public class LabConsoleTests
{
    [Fact]
    public async Task ABadSettingIsAUsageErrorBeforeAnyWork()
    {
        using var fx = new Data.Fixtures();
        var output = Path.Combine(fx.Folder, "out");
        var (code, text) = await ExperimentsConsole.RunAsync("run", "hw1-1-2", "--set", "epoch=5", "--out", output);
        Assert.Equal(2, code);
        Assert.Contains("--set epoch=5: hw1-1-2 has no setting 'epoch'. Did you mean 'epochs'?", text);
        Assert.False(Directory.Exists(output), "a refused run wrote its output folder");
        (code, text) = await ExperimentsConsole.RunAsync("plan", "hw1-1-2", "--set", "models=x: conv 8 3x3, dense 5", "--shards", "2");
        Assert.Equal(2, code);
        Assert.Contains("hw1-1-2: On MNIST (1x28x28 images, 10 classes): Model 'x' ends with output [5]", text);
    }

    [Fact]
    public async Task DescribePrintsEverySettingWithBothPresetsAndTheModelsSummaries()
    {
        var (code, text) = await ExperimentsConsole.RunAsync("describe", "hw1-1-2");
        Assert.True(code == 0, text);
        Assert.Contains("  optimizer.learningRate (also optimizer.lr): number, at least 0\n      The learning rate.\n      quick: 0.001\n      full:  0.1\n", text);
        Assert.Contains("  epochs: whole number, at least 1\n      Passes over the training images.\n      quick: 5\n      full:  20\n", text);
        Assert.Contains("CNN 1 hidden: conv 612 3x3 same, relu, maxpool 2, dense 10\n  on MNIST: input [1, 28, 28], 10 output(s)", text);
        Assert.Contains("Total params: 1,205,650", text);
        Assert.Contains("Total params: 1,519,274", text);
        (code, text) = await ExperimentsConsole.RunAsync("describe", "hw1-3-1", "--set", "model=deeper: dense 512, relu, dense 256, relu, dense 10", "--set", "dataset=cifar10");
        Assert.True(code == 0, text);
        Assert.Contains("this command line (quick preset changed): cifar10", text);
        Assert.Contains("deeper: dense 512, relu, dense 256, relu, dense 10\n  on CIFAR-10: input [3, 32, 32], 10 output(s)", text);
        Assert.Contains("Total params: 1,707,274", text); // 3072*512+512 + 512*256+256 + 256*10+10
    }

    [Fact]
    public async Task ShardsAndAssembleTakeTheSameChanges()
    {
        using var fx = new Data.Fixtures();
        var output = Path.Combine(fx.Folder, "sharded");
        string[] set = ["--set", "epochs=3", "--set", "points=32", "--set", "functions=sinc-5", "--set", "models+=deeper: dense 8, relu, dense 8, relu, dense 8, relu, dense 1"];
        foreach (var shard in new[] { "1/2", "2/2" })
        {
            var (code, text) = await ExperimentsConsole.RunAsync(["run", "hw1-1-1", "--shard", shard, "--out", output, .. set]);
            Assert.True(code == 0, text);
        }
        // Without the changes, assemble is refused (another fingerprint), naming what the folder's results changed.
        var (refused, why) = await ExperimentsConsole.RunAsync("assemble", "hw1-1-1", "--out", output);
        Assert.Equal(1, refused);
        Assert.Contains("(changed from the preset: points 512 → 32; epochs 1000 → 3;", why);
        var (assembled, log) = await ExperimentsConsole.RunAsync(["assemble", "hw1-1-1", "--out", output, .. set]);
        Assert.True(assembled == 0, log);
        var results = File.ReadAllText(Path.Combine(output, "hw1-1-1", "results.csv"));
        Assert.Contains("sinc-5/deeper,", results);
        Assert.Equal(4, results.Split('\n').Where(l => l.Contains(",parameter_count,")).Count());
    }

    [SkippableFact]
    public async Task AChangedRunOnFashionMnistResumesWithItsSettingsAndRefusesOthers()
    {
        var mirror = Environment.GetEnvironmentVariable("DEEPLITE_DATA_MIRROR");
        Skip.If(string.IsNullOrEmpty(mirror), "DEEPLITE_DATA_MIRROR is not set: no real data.");
        Skip.IfNot(Directory.Exists("/usr/share/datasets/fashion-mnist") || Directory.Exists(Path.Combine(mirror!, "fashion-mnist")),
            "Fashion-MNIST is neither installed (Debian's dataset-fashion-mnist, which .ci/run installs) nor in the mirror.");
        using var fx = new Data.Fixtures();
        var output = Path.Combine(fx.Folder, "lab");
        string[] set = ["--set", "dataset=fashion-mnist", "--set", "epochs=2", "--set", "trainPerClass=30", "--set", "testCount=200"];
        var (code, text) = await ExperimentsConsole.RunAsync(["run", "hw1-3-1", "--out", output, .. set]);
        Assert.True(code == 0, text);
        Assert.Contains("fashion-mnist", File.ReadAllText(Path.Combine(output, "hw1-3-1", "manifest.json")));
        Assert.Contains("Fashion-MNIST: 300 training images", File.ReadAllText(Path.Combine(output, "hw1-3-1", "loss.svg")));
        // The same settings read the unit back; others are refused, naming what each changed.
        (code, text) = await ExperimentsConsole.RunAsync(["run", "hw1-3-1", "--out", output, .. set]);
        Assert.True(code == 0, text);
        (code, text) = await ExperimentsConsole.RunAsync(["run", "hw1-3-1", "--out", output, .. set, "--set", "epochs=3"]);
        Assert.Equal(1, code);
        Assert.Contains("epochs 60 → 2", text);
        Assert.Contains("epochs 60 → 3", text);
    }
}
