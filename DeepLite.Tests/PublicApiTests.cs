using System.Reflection;
using DeepLite.Tensors;

namespace DeepLite.Tests;

/// <summary>The package's public surface follows .NET naming: PascalCase types and members, camelCase parameters, no Python-style names.</summary>
public class PublicApiTests
{
    private static readonly Assembly Library = typeof(Tensor<>).Assembly;

    // Names that mirror an external format exactly (safetensors dtypes) are kept as the format spells them.
    private static readonly HashSet<string> FormatNames = Enum.GetNames<DeepLite.Serialization.SafeTensorsDType>().ToHashSet();

    private static IEnumerable<MemberInfo> PublicMembers(Type type) =>
        type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m switch
            {
                MethodBase b => (b.IsPublic || b.IsFamily || b.IsFamilyOrAssembly) && !b.IsSpecialName,
                FieldInfo f => f.IsPublic || f.IsFamily,
                PropertyInfo p => p.GetMethod is { } g && (g.IsPublic || g.IsFamily),
                EventInfo => true,
                Type t => t.IsNestedPublic || t.IsNestedFamily,
                _ => false,
            })
            .Where(m => !m.Name.Contains('<') && m.Name is not (".ctor" or ".cctor"));

    private static bool Pascal(string name) => name.Length > 0 && char.IsUpper(name[0]) && !name.Contains('_');

    [Fact]
    public void NamesFollowDotNetConventions()
    {
        var problems = new List<string>();
        foreach (var type in Library.GetExportedTypes())
        {
            var typeName = type.Name.Split('`')[0];
            if (!Pascal(typeName)) problems.Add($"type {type.FullName}");
            foreach (var member in PublicMembers(type))
            {
                if (type.IsEnum && FormatNames.Contains(member.Name)) continue;
                if (type.IsEnum && member.Name == "value__") continue;
                if (!Pascal(member.Name)) problems.Add($"{typeName}.{member.Name}");
                if (member is MethodBase method && !(method.Name == "Deconstruct" && IsRecordProperty(type, method.GetParameters()[0].Name!)))
                    foreach (var p in method.GetParameters())
                        if (p.Name is not { Length: > 0 } n || !char.IsLower(n[0]) || n.Contains('_')) problems.Add($"{typeName}.{member.Name}({p.Name})");
            }
            foreach (var ctor in type.GetConstructors())
                foreach (var p in ctor.GetParameters())
                    if (p.Name is not { Length: > 0 } n || (!char.IsLower(n[0]) && !IsRecordProperty(type, n)) || n.Contains('_'))
                        problems.Add($"{typeName}({p.Name})");
        }
        Assert.True(problems.Count == 0, "Not .NET-style names:\n" + string.Join("\n", problems));
    }

    // Positional records take PascalCase constructor parameters by design (they are the properties).
    private static bool IsRecordProperty(Type type, string name) => type.GetProperty(name) is not null && type.GetMethod("<Clone>$") is not null
        || type.IsValueType && type.GetProperty(name) is not null;

    [Fact]
    public void EveryPublicTypeLivesInAnAreaNamespace()
    {
        // The areas are Core's folders, as the dependency matrix lists them.
        var areas = Architecture.DependencyMatrixTests.Allowed.Keys.Select(folder => "DeepLite." + folder).ToArray();
        var stray = Library.GetExportedTypes().Where(t => !areas.Any(a => t.Namespace == a || t.Namespace!.StartsWith(a + ".", StringComparison.Ordinal)))
            .Select(t => t.FullName).ToList();
        Assert.True(stray.Count == 0, "Public types outside the area namespaces: " + string.Join(", ", stray));
    }
}
