namespace DeepLite.Tests;

/// <summary>The README's code sample is the code of <see cref="TrainingTests.ReadmeSample"/>, so it cannot drift.</summary>
public class ReadmeSampleTests
{
    private static string RepoFile(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DeepLite.sln"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return File.ReadAllText(Path.Combine(dir!.FullName, name));
    }

    private static string[] Normalize(string block) =>
        block.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    [Fact]
    public void ReadmeSampleIsTheTestedCode()
    {
        var source = RepoFile("DeepLite.Tests/TrainingTests.cs");
        int b = source.IndexOf("// README-SAMPLE-BEGIN", StringComparison.Ordinal), e = source.IndexOf("// README-SAMPLE-END", StringComparison.Ordinal);
        var tested = Normalize(source[(source.IndexOf('\n', b) + 1)..e]);

        var readme = RepoFile("README.md");
        int rb = readme.IndexOf("<!-- sample:begin -->", StringComparison.Ordinal), re = readme.IndexOf("<!-- sample:end -->", StringComparison.Ordinal);
        Assert.True(rb >= 0 && re > rb, "README.md lacks the sample markers");
        var block = readme[rb..re];
        int code = block.IndexOf("```csharp", StringComparison.Ordinal);
        var lines = Normalize(block[(block.IndexOf('\n', code) + 1)..block.LastIndexOf("```", StringComparison.Ordinal)]);
        // The README adds its using lines on top; the rest must be the tested code line for line.
        Assert.Equal(tested, lines.SkipWhile(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray());
    }
}
