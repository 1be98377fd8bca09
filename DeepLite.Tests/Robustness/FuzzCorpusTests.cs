using DeepLite.Fuzz;

namespace DeepLite.Tests.Robustness;

/// <summary>
/// The fuzz targets (fuzz/DeepLite.Fuzz/FuzzTargets.cs, compiled into the tests too) on the inputs kept in the
/// repository: every seed of fuzz/corpus is accepted as valid, and every input under fuzz/regressions (each one a crash
/// a campaign found, fixed) is either accepted or refused with a documented exception; nothing else escapes.
/// fuzz/run.sh runs the campaigns themselves.
/// </summary>
public class FuzzCorpusTests
{
    private static readonly string Fuzz = Path.Combine(Repository.Root, "fuzz");

    public static IEnumerable<object[]> Targets() => FuzzTargets.All.Keys.Order(StringComparer.Ordinal).Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Targets))]
    public void EverySeedIsAccepted(string target)
    {
        var seeds = Directory.GetFiles(Path.Combine(Fuzz, "corpus", target));
        Assert.NotEmpty(seeds);
        using var scratch = new FuzzTargets.Scratch();
        foreach (var seed in seeds)
        {
            scratch.Reset();
            var refusal = FuzzTargets.Run(target, File.ReadAllBytes(seed), scratch);
            Assert.True(refusal is null, $"{seed} is a seed of {target} but was refused: {refusal}");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void EveryFoundCrashIsNowRefusedOrAccepted(string target)
    {
        var folder = Path.Combine(Fuzz, "regressions", target);
        if (!Directory.Exists(folder)) return; // no crash found for this target yet
        using var scratch = new FuzzTargets.Scratch();
        foreach (var input in Directory.GetFiles(folder))
        {
            scratch.Reset();
            var refusal = FuzzTargets.Run(target, File.ReadAllBytes(input), scratch); // anything undocumented escapes and fails the test
            if (refusal is not null) Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
        }
    }

    [Fact]
    public void EveryTargetHasASeedCorpus() =>
        Assert.Equal(FuzzTargets.All.Keys.Order(StringComparer.Ordinal), Directory.GetDirectories(Path.Combine(Fuzz, "corpus")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Fact]
    public void TheDocumentedExceptionsAreTheFormatsAndNotBugs()
    {
        Assert.True(FuzzTargets.IsDocumented(new DeepLite.Data.DatasetFormatException("f", "bad", 3)));
        Assert.True(FuzzTargets.IsDocumented(new InvalidDataException("bad")));
        Assert.False(FuzzTargets.IsDocumented(new IndexOutOfRangeException()));
        Assert.False(FuzzTargets.IsDocumented(new ArgumentOutOfRangeException("capacity")));
        Assert.False(FuzzTargets.IsDocumented(new OverflowException()));
        Assert.False(FuzzTargets.IsDocumented(new OutOfMemoryException()));
        Assert.False(FuzzTargets.IsDocumented(new IOException("which file?")));
    }
}
