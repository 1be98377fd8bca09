using DeepLite.Data;

namespace DeepLite.Tests.Data;

/// <summary>
/// The full MNIST, CIFAR-10 and Tiny Shakespeare from DEEPLITE_DATA_MIRROR (CI sets it). Without the variable there
/// is nothing to load and the tests report Skipped; with it, missing or wrong data fails.
/// </summary>
public class RealDataTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static DataStore Store()
    {
        var mirror = Environment.GetEnvironmentVariable("DEEPLITE_DATA_MIRROR");
        Skip.If(string.IsNullOrEmpty(mirror), "DEEPLITE_DATA_MIRROR is not set: no real data to check.");
        return new DataStore(new DataStoreOptions { MirrorDirectory = mirror, AllowDownload = false, CacheDirectory = Path.Combine(Path.GetTempPath(), "deeplite-empty-cache") });
    }

    [SkippableFact]
    public void MnistHasItsFullCountsAndBalancedClasses()
    {
        var store = Store();
        var mnist = store.Load("mnist");
        Assert.Equal(60_000, mnist.Train.Count);
        Assert.Equal(10_000, mnist.Test.Count);
        Assert.Equal((1, 28, 28), (mnist.Train.Channels, mnist.Train.Height, mnist.Train.Width));
        // MNIST is only roughly balanced: every digit has 5,421..6,742 training images.
        Assert.All(mnist.Train.ClassCounts(), c => Assert.InRange(c, 5_421, 6_742));
        Assert.Equal(60_000, mnist.Train.ClassCounts().Sum());
        output.WriteLine(mnist.Source);
    }

    [SkippableFact]
    public void FashionMnistLoadsFromDebiansPackageLikeMnist()
    {
        Skip.IfNot(Directory.Exists("/usr/share/datasets/fashion-mnist"), "Debian's dataset-fashion-mnist is not installed (.ci/run installs it).");
        // No mirror, no download: the system folder of Debian's package, checked against the pinned checksums.
        var store = new DataStore(new DataStoreOptions { AllowDownload = false, CacheDirectory = Path.Combine(Path.GetTempPath(), "deeplite-empty-cache") });
        var fashion = store.Load("fashion-mnist");
        Assert.Equal((60_000, 10_000), (fashion.Train.Count, fashion.Test.Count));
        Assert.Equal((1, 28, 28), (fashion.Train.Channels, fashion.Train.Height, fashion.Train.Width));
        // Fashion-MNIST is exactly balanced: 6,000 training and 1,000 test images a class.
        Assert.All(fashion.Train.ClassCounts(), c => Assert.Equal(6_000, c));
        Assert.All(fashion.Test.ClassCounts(), c => Assert.Equal(1_000, c));
        output.WriteLine(fashion.Source);
    }

    [SkippableFact]
    public void Cifar10HasItsFullCountsAndExactlyBalancedClasses()
    {
        var store = Store();
        var cifar = store.Load("cifar10");
        Assert.Equal(50_000, cifar.Train.Count);
        Assert.Equal(10_000, cifar.Test.Count);
        Assert.All(cifar.Train.ClassCounts(), c => Assert.Equal(5_000, c));
        Assert.All(cifar.Test.ClassCounts(), c => Assert.Equal(1_000, c));
        output.WriteLine(cifar.Source);
    }

    [SkippableFact]
    public void TinyShakespeareIsNanoGptsCorpus()
    {
        var store = Store();
        var corpus = store.LoadText("tinyshakespeare");
        // prepare.py prints: length of dataset in characters: 1,115,394; vocab size: 65; train has 1,003,854 tokens; val has 111,540 tokens.
        Assert.Equal(1_115_394, corpus.Text.Length);
        Assert.Equal(65, corpus.Vocabulary.Count);
        Assert.Equal(1_003_854, corpus.Train.Length);
        Assert.Equal(111_540, corpus.Validation.Length);
        Assert.Equal('\n', corpus.Vocabulary[0]);
        Assert.Equal("First Citizen:", corpus.Decode(corpus.Train.Take(14)));
        Assert.Throws<ArgumentException>(() => store.Load("tinyshakespeare"));
    }
}
