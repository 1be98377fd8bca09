using System.Reflection;
using System.Text;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;

namespace DeepLite.Tests;

/// <summary>
/// The package's whole public surface, listed in docs/api.txt (one line per type and member, sorted): every public
/// change shows in review as a change of that file. The test fails when the listing and the compiled library differ;
/// <c>DEEPLITE_UPDATE_API=1 dotnet test --filter PublicApiListing</c> rewrites the file.
/// </summary>
public class PublicApiListingTests
{
    private static readonly string ListingPath = Path.Combine(Repository.Root, "docs", "api.txt");

    [Fact]
    public void TheListingIsTheLibrarysPublicSurface()
    {
        var actual = Listing(typeof(Tensor<>).Assembly);
        if (Environment.GetEnvironmentVariable("DEEPLITE_UPDATE_API") == "1") File.WriteAllText(ListingPath, actual);
        var expected = File.Exists(ListingPath) ? File.ReadAllText(ListingPath).ReplaceLineEndings("\n") : "";
        if (expected == actual) return;
        var a = actual.Split('\n').ToHashSet(); var e = expected.Split('\n').ToHashSet();
        var added = a.Except(e).Take(30).Select(l => "+ " + l); var removed = e.Except(a).Take(30).Select(l => "- " + l);
        Assert.Fail($"The public API differs from docs/api.txt (review the change, then run with DEEPLITE_UPDATE_API=1 to update it):\n{string.Join("\n", removed.Concat(added))}");
    }

    [Fact]
    public void TheListingNamesGenericsParametersAndDefaults()
    {
        var listing = Listing(typeof(Tensor<>).Assembly);
        Assert.Contains("class DeepLite.Tensors.Tensor<T>", listing);
        Assert.Contains("  method Tensor<T> Conv2D(Tensor<T> weight, Tensor<T>? bias = null, Size2D? stride = null, Padding padding = default, Size2D? dilation = null, int groups = 1, ConvAlgorithm algorithm = Auto)", listing);
        Assert.DoesNotContain("ConvKernel", listing);
    }

    public static string Listing(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add($"{Kind(type)} {type.Namespace}.{Name(type, full: false)}{Bases(type)}");
            var members = new List<string>();
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            if (type.IsEnum)
                members.AddRange(Enum.GetNames(type).Select(n => $"  value {n}"));
            else
            {
                foreach (var c in type.GetConstructors(all).Where(Visible)) members.Add($"  ctor ({Parameters(c)})");
                foreach (var m in type.GetMethods(all).Where(m => Visible(m) && !m.Name.Contains('<') && (!m.IsSpecialName || m.Name.StartsWith("op_"))))
                    members.Add($"  {(m.IsStatic ? "static " : "")}{(m.IsAbstract ? "abstract " : m.IsVirtual && !m.IsFinal && m.GetBaseDefinition() == m ? "virtual " : "")}method {Name(m.ReturnType, nullable: Nullable(m.ReturnParameter))} {m.Name}{Generics(m)}({Parameters(m)})");
                foreach (var p in type.GetProperties(all).Where(p => (p.GetMethod ?? p.SetMethod) is { } a && Visible(a)))
                    members.Add($"  {((p.GetMethod ?? p.SetMethod)!.IsStatic ? "static " : "")}property {Name(p.PropertyType, nullable: Nullable(p))} {(p.GetIndexParameters().Length > 0 ? $"this[{Parameters(p.GetIndexParameters())}]" : p.Name)} {{{(p.GetMethod is { } g && Visible(g) ? " get;" : "")}{(p.SetMethod is { } s && Visible(s) ? (s.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? " init;" : " set;") : "")} }}");
                foreach (var f in type.GetFields(all).Where(f => f.IsPublic || f.IsFamily)) members.Add($"  {(f.IsStatic ? "static " : "")}field {Name(f.FieldType)} {f.Name}");
                foreach (var e in type.GetEvents(all)) members.Add($"  event {Name(e.EventHandlerType!)} {e.Name}");
            }
            members.Sort(StringComparer.Ordinal);
            lines.AddRange(members);
        }
        return string.Join("\n", lines) + "\n";
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Kind(Type t) => t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? (t.GetMethod("<Clone>$") is null && t.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is null ? "struct" : "record struct")
        : typeof(Delegate).IsAssignableFrom(t) ? "delegate" : t.GetMethod("<Clone>$") is not null ? "record" : t.IsAbstract && t.IsSealed ? "static class" : (t.IsAbstract ? "abstract class" : t.IsSealed ? "sealed class" : "class");

    private static string Bases(Type t)
    {
        var bases = new List<string>();
        if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) && !typeof(Delegate).IsAssignableFrom(t)) bases.Add(Name(b));
        bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic && !(t.BaseType?.GetInterfaces().Contains(i) ?? false)).Select(i => Name(i)).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string Generics(MethodInfo m) => m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase m) => Parameters(m.GetParameters());

    private static string Parameters(ParameterInfo[] ps) => string.Join(", ", ps.Select(p =>
        (p.GetCustomAttribute<ParamArrayAttribute>() is not null ? "params " : "") + (p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : "")
        + Name(p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType, nullable: Nullable(p)) + " " + p.Name
        + (p.HasDefaultValue ? " = " + (p.DefaultValue is null && p.ParameterType.IsValueType && System.Nullable.GetUnderlyingType(p.ParameterType) is null ? "default" : Default(p.DefaultValue)) : "")));

    private static string Default(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "default",
    } is var text && text == "" ? "default" : text;

    private static readonly NullabilityInfoContext Nullability = new();
    private static bool Nullable(ParameterInfo p) { try { return !p.ParameterType.IsValueType && Nullability.Create(p).ReadState == NullabilityState.Nullable; } catch { return false; } }
    private static bool Nullable(PropertyInfo p) { try { return !p.PropertyType.IsValueType && Nullability.Create(p).ReadState == NullabilityState.Nullable; } catch { return false; } }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(int)] = "int", [typeof(long)] = "long", [typeof(float)] = "float", [typeof(double)] = "double", [typeof(bool)] = "bool",
        [typeof(string)] = "string", [typeof(object)] = "object", [typeof(byte)] = "byte", [typeof(ulong)] = "ulong", [typeof(uint)] = "uint", [typeof(short)] = "short",
    };

    private static string Name(Type t, bool full = false, bool nullable = false)
    {
        string name;
        if (Keywords.TryGetValue(t, out var k)) name = k;
        else if (t.IsGenericParameter) name = t.Name;
        else if (t.IsArray) name = Name(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        else if (t.IsPointer) name = Name(t.GetElementType()!) + "*";
        else if (System.Nullable.GetUnderlyingType(t) is { } u) return Name(u) + "?";
        else if (t.IsGenericType && t.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
            name = "(" + string.Join(", ", t.GetGenericArguments().Select(a => Name(a))) + ")";
        else
        {
            var args = t.IsGenericType ? t.GetGenericArguments() : [];
            var prefix = t.IsNested ? Name(t.DeclaringType!) + "." : "";
            var declaring = t.IsNested ? t.DeclaringType!.GetGenericArguments().Length : 0;
            var own = args.Skip(declaring).ToArray();
            name = prefix + t.Name.Split('`')[0] + (own.Length > 0 ? "<" + string.Join(", ", own.Select(a => Name(a))) + ">" : "");
        }
        return nullable ? name + "?" : name;
    }
}
