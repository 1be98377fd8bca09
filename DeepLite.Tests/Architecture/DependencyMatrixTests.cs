using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using DeepLite.Tensors;

namespace DeepLite.Tests.Architecture;

/// <summary>
/// The layer table of docs/architecture.md as a matrix: each Core folder may use only the folders listed for it. Checked
/// on the compiled code (every type's signatures and every method body's IL: the types, methods and fields it names,
/// closures and iterators included) and on the source (using directives and qualified names), so a reference cannot
/// hide in a method body or behind a fully qualified name.
/// </summary>
public partial class DependencyMatrixTests
{
    /// <summary>
    /// Folder → the folders it may use. Tensors and Autograd use each other: a tensor holds the node that made it
    /// (as PyTorch's does), the engine walks nodes of tensors; nothing else goes both ways.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Kernels"] = [],
        ["Tensors"] = ["Kernels", "Autograd"],
        ["Autograd"] = ["Kernels", "Tensors"],
        ["Layers"] = ["Kernels", "Tensors", "Autograd"],
        ["Losses"] = ["Kernels", "Tensors", "Autograd"],
        ["Optimizers"] = ["Kernels", "Tensors", "Autograd"],
        ["Data"] = ["Kernels", "Tensors"],
        ["Serialization"] = ["Kernels", "Tensors", "Autograd", "Layers", "Optimizers"],
        ["Training"] = ["Kernels", "Tensors", "Autograd", "Layers", "Losses", "Optimizers", "Data"],
        ["Analysis"] = ["Kernels", "Tensors", "Autograd", "Layers", "Losses", "Optimizers", "Data", "Training"],
    };

    private static readonly string Core = Path.Combine(Repository.Root, "DeepLite.Core");

    [Fact]
    public void EveryCoreFolderIsInTheMatrix()
    {
        var folders = Directory.GetDirectories(Core).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Order().ToList();
        Assert.Equal(Allowed.Keys.Order(), folders);
    }

    [Fact]
    public void CompiledCodeUsesOnlyAllowedFolders()
    {
        var problems = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in typeof(Tensor<float>).Assembly.GetTypes())
        {
            if (Folder(type) is not { } from) continue;
            foreach (var (where, used) in References(type))
                if (Folder(used) is { } to && to != from && !Allowed[from].Contains(to))
                    problems.Add($"{from} -> {to}: {Name(type)} {where} uses {Name(used)}");
        }
        Assert.True(problems.Count == 0, "Upward or sideways references:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void SourceUsesOnlyAllowedFolders()
    {
        var problems = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Core, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Core, file);
            var from = relative.Split(Path.DirectorySeparatorChar)[0];
            if (from is "bin" or "obj" || !Allowed.ContainsKey(from)) continue;
            var lines = File.ReadAllLines(file);
            for (int i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];
                foreach (Match m in QualifiedName().Matches(code))
                {
                    var to = m.Groups[1].Value;
                    if (to != from && Allowed.ContainsKey(to) && !Allowed[from].Contains(to))
                        problems.Add($"{relative}:{i + 1}: {from} -> {to}: {lines[i].Trim()}");
                }
            }
        }
        Assert.True(problems.Count == 0, "Sources use folders they may not:\n" + string.Join("\n", problems));
    }

    [GeneratedRegex(@"\bDeepLite\.(\w+)")]
    private static partial Regex QualifiedName();

    /// <summary>The Core folder of a type: the namespace's second part (DeepLite.Kernels.Gemm is Kernels), or null outside Core.</summary>
    private static string? Folder(Type type)
    {
        if (type.Assembly != typeof(Tensor<float>).Assembly || type.Namespace is not { } ns) return null;
        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == "DeepLite" && Allowed.ContainsKey(parts[1]) ? parts[1] : null;
    }

    private static string Name(Type t) => t.FullName ?? t.Name;

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every type a type's declaration and method bodies name.</summary>
    private static IEnumerable<(string Where, Type Used)> References(Type type)
    {
        if (type.BaseType is { } b) foreach (var t in Expand(b)) yield return ("base type", t);
        foreach (var i in type.GetInterfaces()) foreach (var t in Expand(i)) yield return ("interface", t);
        foreach (var f in type.GetFields(All)) foreach (var t in Expand(f.FieldType)) yield return ($"field {f.Name}", t);
        foreach (var p in type.GetProperties(All)) foreach (var t in Expand(p.PropertyType)) yield return ($"property {p.Name}", t);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) foreach (var t in Expand(mi.ReturnType)) yield return ($"{m.Name} returns", t);
            foreach (var p in m.GetParameters()) foreach (var t in Expand(p.ParameterType)) yield return ($"{m.Name}({p.Name})", t);
            foreach (var used in BodyReferences(m)) foreach (var t in Expand(used)) yield return ($"{m.Name} body", t);
        }
    }

    /// <summary>A type and the types inside it (elements, generic arguments, a generic parameter's constraints), each once.</summary>
    private static IEnumerable<Type> Expand(Type root)
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

    private static readonly Dictionary<short, OpCode> OpCodesByValue =
        typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The types whose members or tokens <paramref name="method"/>'s IL names (calls, field accesses, newobj, casts, ldtoken).</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opcode = OpCodesByValue[value];
            switch (opcode.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = method.Module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    if (member is Type t) yield return t;
                    else if (member?.DeclaringType is { } declaring)
                    {
                        yield return declaring;
                        if (member is MethodInfo { IsGenericMethod: true } generic) foreach (var a in generic.GetGenericArguments()) yield return a;
                        if (member is MethodInfo called) yield return called.ReturnType;
                        if (member is FieldInfo field) yield return field.FieldType;
                    }
                    at += 4;
                    break;
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: at += 1; break;
                case OperandType.InlineVar: at += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: at += 8; break;
                case OperandType.InlineSwitch: at += 4 + 4 * BitConverter.ToInt32(il, at); break;
                default: at += 4; break; // InlineI, InlineBrTarget, InlineSig, InlineString, ShortInlineR
            }
        }
    }
}
