using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace DeepLite.Experiments.Framework.Settings;

/// <summary>
/// One setting of an experiment: its dotted key as <c>--set</c> and the manifest spell it (the JSON names, camel case:
/// "optimizer.learningRate"), its CLR type, its declaration and the properties that lead to it from the settings record.
/// A setting whose type is itself a settings record (the optimizer) is a group: its own settings are listed after it.
/// </summary>
public sealed record SettingInfo(string Key, Type Type, SettingAttribute Declared, IReadOnlyList<PropertyInfo> Path)
{
    /// <summary>Whether this setting is a record of settings (set through its keys, or as a JSON object).</summary>
    public bool IsGroup => SettingsSchema.IsRecord(Type);

    /// <summary>Whether the value is a list.</summary>
    public bool IsList => Type.IsArray;

    /// <summary>The setting's value in <paramref name="settings"/> (a record of the type the schema was made for).</summary>
    public object? ValueIn(object settings)
    {
        object? value = settings;
        foreach (var property in Path) value = value is null ? null : property.GetValue(value);
        return value;
    }

    /// <summary>The type as <c>describe</c> names it: "whole number", "list of numbers", "true or false", "optimizer.* settings".</summary>
    public string TypeName => Describe(Type);

    private string Describe(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) return Describe(inner) + " or none";
        if (type == typeof(int) || type == typeof(long)) return "whole number";
        if (type == typeof(double) || type == typeof(float)) return "number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return Declared.Choices is { } choices ? "one of " + string.Join(", ", choices) : "text";
        if (type.IsArray)
        {
            var element = Describe(type.GetElementType()!);
            return "list of " + (element.StartsWith("one of ", StringComparison.Ordinal) ? $"({element})" : element.EndsWith("number", StringComparison.Ordinal) || element == "text" ? element + "s" : element)
                + (Declared.Separator == ',' ? "" : $", separated by '{Declared.Separator}'");
        }
        return IsGroup ? $"{Key}.* settings" : type.Name;
    }

    /// <summary>A number as people write it: 0.001, 1e-08 → "1e-8".</summary>
    private static string Number(double x)
    {
        var text = x.ToString("G", CultureInfo.InvariantCulture);
        int e = text.IndexOf('E');
        return e < 0 ? text : text[..e] + "e" + (text[e + 1] == '-' ? "-" : "") + text[(e + 2)..].TrimStart('0');
    }

    /// <summary>A value of this setting as <c>describe</c>, the chart subtitles and REPORT.md show it (lists joined by their separator).</summary>
    public string Format(object? value) => value switch
    {
        null => "none",
        string s => s,
        bool b => b ? "true" : "false",
        double x => Number(x),
        IFormattable f when !Type.IsArray => f.ToString(null, CultureInfo.InvariantCulture),
        Array a when a.Cast<object?>().All(x => x is not Array) => string.Join(Declared.Separator + " ", a.Cast<object?>().Select(x => new SettingInfo(Key, Type.GetElementType()!, Declared, Path).Format(x))),
        _ => JsonSerializer.Serialize(value, value.GetType(), Json.Compact),
    };
}

/// <summary>
/// The settings an experiment declares: the properties of its settings record (and of the records inside it), each with
/// its <see cref="SettingAttribute"/>. This is what <c>describe</c> prints and what <c>--set</c> and <c>--config</c>
/// are checked against.
/// </summary>
public static class SettingsSchema
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<SettingInfo>> Cache = new();

    /// <summary>Every setting of records of <paramref name="settingsType"/>, in declaration order, a group before its own settings.</summary>
    /// <exception cref="InvalidOperationException">A property declares no <see cref="SettingAttribute"/> (the schema would be silently incomplete).</exception>
    public static IReadOnlyList<SettingInfo> Of(Type settingsType) => Cache.GetOrAdd(settingsType, t =>
    {
        var list = new List<SettingInfo>();
        Collect(t, "", [], list);
        return list;
    });

    private static void Collect(Type type, string prefix, PropertyInfo[] path, List<SettingInfo> into)
    {
        foreach (var property in Properties(type))
        {
            var declared = property.GetCustomAttribute<SettingAttribute>()
                ?? throw new InvalidOperationException($"{type.FullName}.{property.Name} declares no [property: Setting(\"what it means\")]: every setting is described.");
            var key = prefix + JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            PropertyInfo[] at = [.. path, property];
            into.Add(new SettingInfo(key, property.PropertyType, declared, at));
            if (IsRecord(property.PropertyType)) Collect(property.PropertyType, key + ".", at, into);
        }
    }

    /// <summary>The settable properties of a settings record (its positional parameters), in declaration order.</summary>
    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).OrderBy(p => p.MetadataToken);

    /// <summary>Whether <paramref name="type"/> is a record of settings (a class, not text or a list, with settable properties).</summary>
    public static bool IsRecord(Type type) => type.IsClass && type != typeof(string) && !type.IsArray && Properties(type).Any();
}
