using System.Reflection;
using System.Text.RegularExpressions;
using DeepLite.Tensors;

namespace DeepLite.Tests.Architecture;

/// <summary>
/// Core's layers read bottom-up (docs/architecture.md): Kernels know nothing above them (no tensor, shape, autograd,
/// layer), and every file's namespace is its folder's. Checked on the compiled types (signatures, fields, base
/// types) and on the source (method bodies, using directives).
/// </summary>
public partial class LayeringTests
{
    private static readonly string Core = Path.Combine(Repository.Root, "DeepLite.Core");

    /// <summary>The namespaces above Kernels, which Kernels must not use.</summary>
    private static readonly string[] AboveKernels =
        ["DeepLite.Tensors", "DeepLite.Autograd", "DeepLite.Layers", "DeepLite.Losses", "DeepLite.Optimizers", "DeepLite.Data", "DeepLite.Serialization", "DeepLite.Analysis"];

    [Fact]
    public void NoKernelTypeMentionsATypeOfAHigherLayer()
    {
        var core = typeof(Tensor<float>).Assembly;
        var problems = new List<string>();
        foreach (var type in core.GetTypes().Where(t => t.Namespace?.StartsWith("DeepLite.Kernels", StringComparison.Ordinal) == true))
            foreach (var (where, used) in Mentions(type))
                if (used.Namespace is { } ns && AboveKernels.Any(a => ns == a || ns.StartsWith(a + ".", StringComparison.Ordinal)))
                    problems.Add($"{type.FullName} {where}: {used.FullName}");
        Assert.True(problems.Count == 0, "Kernels depend on higher layers:\n" + string.Join("\n", problems.Distinct()));
    }

    [Fact]
    public void NoKernelSourceUsesAHigherLayer()
    {
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Core, "Kernels"), "*.cs", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];
                if (AboveKernels.Any(a => code.Contains(a, StringComparison.Ordinal)) || TensorType().IsMatch(code))
                    problems.Add($"{Path.GetRelativePath(Core, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(problems.Count == 0, "Kernel sources use higher layers:\n" + string.Join("\n", problems));
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

    /// <summary>Every type <paramref name="type"/>'s declaration mentions: base type, interfaces, fields, properties, method signatures.</summary>
    private static IEnumerable<(string Where, Type Used)> Mentions(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        // A type and the types inside it (elements, generic arguments, a generic parameter's constraints), each once:
        // constraints such as T : IFloatingPointIeee754<T> refer back to T.
        IEnumerable<Type> Expand(Type root)
        {
            var seen = new HashSet<Type>();
            var stack = new Stack<Type>([root]);
            while (stack.Count > 0)
            {
                var t = stack.Pop();
                if (!seen.Add(t)) continue;
                if (t.HasElementType) { stack.Push(t.GetElementType()!); continue; }
                if (t.IsGenericParameter) { foreach (var c in t.GetGenericParameterConstraints()) stack.Push(c); continue; }
                yield return t;
                if (t.IsGenericType) foreach (var a in t.GetGenericArguments()) stack.Push(a);
            }
        }
        if (type.BaseType is { } b) foreach (var t in Expand(b)) yield return ("base type", t);
        foreach (var i in type.GetInterfaces()) foreach (var t in Expand(i)) yield return ("interface", t);
        foreach (var f in type.GetFields(all)) foreach (var t in Expand(f.FieldType)) yield return ($"field {f.Name}", t);
        foreach (var p in type.GetProperties(all)) foreach (var t in Expand(p.PropertyType)) yield return ($"property {p.Name}", t);
        foreach (var m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (m is MethodInfo mi) foreach (var t in Expand(mi.ReturnType)) yield return ($"{m.Name} returns", t);
            foreach (var p in m.GetParameters()) foreach (var t in Expand(p.ParameterType)) yield return ($"{m.Name}({p.Name})", t);
        }
    }
}
