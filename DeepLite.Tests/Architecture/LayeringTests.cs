using System.Text.RegularExpressions;

namespace DeepLite.Tests.Architecture;

/// <summary>
/// What the dependency matrix (<see cref="DependencyMatrixTests"/>) cannot say: Kernels' sources name no tensor or shape
/// even unqualified, and every file's namespace is its folder's (so the matrix, keyed by namespace, sees every file
/// under its folder).
/// </summary>
public partial class LayeringTests
{
    private static readonly string Core = Path.Combine(Repository.Root, "DeepLite.Core");

    /// <summary>
    /// Kernels name no tensor or shape, not even unqualified (which the matrix, going by namespaces, would not see; it
    /// holds every qualified reference from Kernels upward).
    /// </summary>
    [Fact]
    public void NoKernelSourceNamesATensorOrShape()
    {
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Core, "Kernels"), "*.cs", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];
                if (TensorType().IsMatch(code))
                    problems.Add($"{Path.GetRelativePath(Core, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(problems.Count == 0, "Kernel sources name a tensor or a shape:\n" + string.Join("\n", problems));
    }

    [GeneratedRegex(@"\bTensor<|\bShape\b")]
    private static partial Regex TensorType();

    /// <summary>
    /// Namespaces equal folders. The one exception is Tensors/Ops/: the ops are partial-class files of Tensor&lt;T&gt;, which
    /// must share its namespace.
    /// </summary>
    [Fact]
    public void EveryCoreFilesNamespaceIsItsFolder()
    {
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Core, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Core, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal)) continue;
            var folder = Path.GetDirectoryName(relative)!;
            var expected = folder == Path.Combine("Tensors", "Ops") ? "DeepLite.Tensors"
                : folder.Length == 0 ? "DeepLite" : "DeepLite." + folder.Replace(Path.DirectorySeparatorChar, '.');
            var code = File.ReadAllText(file);
            // Generated code (protoc's Onnx.g.cs) declares a block namespace: its option names the folder's.
            var declared = relative.EndsWith(".g.cs", StringComparison.Ordinal) ? GeneratedNamespaceLine().Match(code) : NamespaceLine().Match(code);
            if (!declared.Success) problems.Add($"{relative}: no file-scoped namespace");
            else if (declared.Groups[1].Value != expected) problems.Add($"{relative}: namespace {declared.Groups[1].Value}, folder says {expected}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^namespace ([\w.]+) \{", RegexOptions.Multiline)]
    private static partial Regex GeneratedNamespaceLine();
}
