using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepLite.Tests.Docs;

/// <summary>
/// Every C# block in README.md and docs/*.md is code that compiles as pasted and runs:
/// <list type="bullet">
/// <item>a block follows a <c>&lt;!-- snippet: path#name --&gt;</c> marker, and its lines are those between
/// <c>// snippet-begin: name</c> and <c>// snippet-end</c> in that file (a test, or the package sample, which CI builds
/// against the packed package and runs); the page adds the <c>using</c> lines on top;</item>
/// <item>each such block compiles alone, as a reader pastes it into a new console project (<c>dotnet new console</c>'s
/// implicit usings, a reference to the package), defining nothing: no variable or helper of the test around its
/// region. The only thing it may use besides the library is a type (a module class) declared by an earlier block of
/// the same page, which the reader has pasted too;</item>
/// <item>a block of the library's own source, shown to explain it, follows <c>&lt;!-- source: path#name --&gt;</c>
/// instead: it must equal that region, and is not compiled alone.</item>
/// </list>
/// </summary>
public partial class DocSnippetTests
{
    private static readonly string Root = Repository.Root;

    public static IEnumerable<object[]> Pages() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md").Select(f => Path.GetRelativePath(Root, f)).Order())
            .Select(p => new object[] { p });

    [GeneratedRegex(@"^<!-- (?<kind>snippet|source): (?<file>[^#]+)#(?<name>[\w-]+) -->$")]
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

    /// <summary>A C# block of a page: the line it starts on, its marker, and its lines as shown.</summary>
    private sealed record Block(int Line, Match Marker, string[] Lines);

    private static List<Block> Blocks(string page)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, page));
        var blocks = new List<Block>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            var marker = i > 0 ? Marker().Match(lines[i - 1].Trim()) : Match.Empty;
            Assert.True(marker.Success, $"{page} line {i + 1}: a C# block without a '<!-- snippet: path#name -->' (or source:) marker on the line above");
            int close = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(close > i, $"{page} line {i + 1}: the block is not closed");
            blocks.Add(new Block(i + 1, marker, lines[(i + 1)..close]));
        }
        Assert.True(blocks.Count > 0, $"{page} has no C# block");
        return blocks;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryCSharpBlockIsTestedCode(string page)
    {
        foreach (var block in Blocks(page))
        {
            var shown = Normalize(block.Lines).SkipWhile(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
            var tested = Region(block.Marker.Groups["file"].Value, block.Marker.Groups["name"].Value);
            Assert.True(tested.SequenceEqual(shown),
                $"{page} line {block.Line} differs from {block.Marker.Groups["file"].Value}#{block.Marker.Groups["name"].Value}:\n--- page\n{string.Join("\n", shown)}\n--- code\n{string.Join("\n", tested)}");
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryCSharpBlockCompilesAsPasted(string page)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var earlierTypes = new List<SyntaxTree>();
        foreach (var block in Blocks(page).Where(b => b.Marker.Groups["kind"].Value == "snippet"))
        {
            var tree = CSharpSyntaxTree.ParseText(string.Join("\n", block.Lines), parse, path: $"{page}:{block.Line}");
            var root = tree.GetCompilationUnitRoot();
            bool program = root.Members.OfType<GlobalStatementSyntax>().Any();
            var compilation = CSharpCompilation.Create("Pasted", [PastedProgram.ImplicitUsings(parse), tree, .. earlierTypes], PastedProgram.References.Value,
                new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: false));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{page}: the block at line {block.Line} ({block.Marker.Groups["file"].Value}#{block.Marker.Groups["name"].Value}) " +
                $"does not compile as pasted into a new console project:\n{string.Join("\n", errors.Take(10).Select(e => $"  block line {e.Location.GetLineSpan().StartLinePosition.Line + 1}: {e.Id} {e.GetMessage()}"))}");
            // The types it declares (with its usings) are there for the page's later blocks, as for the reader.
            if (root.Members.Any(m => m is BaseTypeDeclarationSyntax))
                earlierTypes.Add(CSharpSyntaxTree.Create(root.RemoveNodes(root.Members.OfType<GlobalStatementSyntax>(), SyntaxRemoveOptions.KeepNoTrivia)!,
                    parse, path: $"{page}:{block.Line} (types)"));
        }
    }
}
