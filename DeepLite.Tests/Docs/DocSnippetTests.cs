using System.Text.RegularExpressions;

namespace DeepLite.Tests.Docs;

/// <summary>
/// Every C# block in README.md and docs/*.md is code that compiles and runs: a block must follow a
/// <c>&lt;!-- snippet: path#name --&gt;</c> marker, and its lines must be those between
/// <c>// snippet-begin: name</c> and <c>// snippet-end</c> in that file (a test, or the package sample,
/// which CI builds against the packed package). The page may add <c>using</c> lines on top.
/// </summary>
public partial class DocSnippetTests
{
    private static readonly string Root = Repository.Root;

    public static IEnumerable<object[]> Pages() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f)).Order())
            .Select(p => new object[] { p });

    [GeneratedRegex(@"^<!-- snippet: (?<file>[^#]+)#(?<name>[\w-]+) -->$")]
    private static partial Regex Marker();

    private static string[] Normalize(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    private static string[] Region(string file, string name)
    {
        var path = Path.Combine(Root, file);
        Assert.True(File.Exists(path), $"snippet source {file} does not exist");
        var lines = File.ReadAllLines(path);
        int begin = Array.FindIndex(lines, l => l.Trim() == $"// snippet-begin: {name}");
        Assert.True(begin >= 0, $"{file} has no '// snippet-begin: {name}'");
        int end = Array.FindIndex(lines, begin + 1, l => l.Trim() == "// snippet-end");
        Assert.True(end > begin, $"{file}: snippet {name} has no '// snippet-end'");
        return Normalize(lines[(begin + 1)..end]);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryCSharpBlockIsTestedCode(string page)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, page));
        int blocks = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            blocks++;
            var marker = i > 0 ? Marker().Match(lines[i - 1].Trim()) : Match.Empty;
            Assert.True(marker.Success, $"{page} line {i + 1}: a C# block without a '<!-- snippet: path#name -->' marker on the line above");
            int close = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(close > i, $"{page} line {i + 1}: the block is not closed");
            var shown = Normalize(lines[(i + 1)..close]).SkipWhile(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
            var tested = Region(marker.Groups["file"].Value, marker.Groups["name"].Value);
            Assert.True(tested.SequenceEqual(shown),
                $"{page} line {i + 1} differs from {marker.Groups["file"].Value}#{marker.Groups["name"].Value}:\n--- page\n{string.Join("\n", shown)}\n--- code\n{string.Join("\n", tested)}");
        }
        Assert.True(blocks > 0, $"{page} has no C# block");
    }
}
