using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepLite.Experiments.Framework.Settings;

/// <summary>A setting given wrongly on the command line or in a config file: a usage error (exit code 2), named before any work.</summary>
public sealed class SettingsException(string message) : Exception(message);

/// <summary>
/// One change to an experiment's settings: <c>--set key=value</c> (text, parsed by the setting's type), <c>key+=value</c>
/// (appended to a list), or a value of a config file (JSON). <paramref name="Experiment"/> restricts it to one experiment
/// (<c>--set hw1-1-2:epochs=5</c>, or the config file's object); null applies it to every experiment run.
/// </summary>
public sealed record SettingAssignment(string? Experiment, string Key, string? Text, JsonNode? Json, bool Append, string Origin);

/// <summary>
/// Settings from the outside, over a preset: parses <c>--set</c> and <c>--config</c>, applies them to an experiment's
/// settings record through its JSON form (so a nested key is a path: "optimizer.name"), and checks the result against the
/// declared <see cref="SettingsSchema"/>: an unknown key names the valid ones and the nearest, a value of the wrong type
/// or out of range says what the setting takes. Keys match ignoring case, '_' and '-' ("learning_rate" is
/// "learningRate"), or by a setting's declared alias.
/// </summary>
public static class SettingsOverrides
{
    /// <summary>Parses one <c>--set</c> argument: <c>[experiment:]key=value</c> or <c>[experiment:]key+=value</c>.</summary>
    public static SettingAssignment ParseSet(string argument)
    {
        int equals = argument.IndexOf('=');
        if (equals <= 0) throw new SettingsException($"--set {argument}: expected key=value (e.g. --set epochs=50, --set optimizer.name=Adam).");
        bool append = argument[equals - 1] == '+';
        var key = argument[..(append ? equals - 1 : equals)].Trim();
        string? experiment = null;
        if (key.LastIndexOf(':') is var colon and > 0)
            (experiment, key) = (key[..colon].Trim(), key[(colon + 1)..].Trim());
        if (key.Length == 0) throw new SettingsException($"--set {argument}: the key is empty; expected key=value.");
        return new SettingAssignment(experiment, key, argument[(equals + 1)..], null, append, $"--set {argument}");
    }

    /// <summary>
    /// The assignments of a config file: a JSON object with one object per experiment id, each holding settings by key
    /// (nested objects for groups, or dotted keys), e.g. <c>{"hw1-1-2": {"epochs": 5, "optimizer": {"name": "Adam"}}}</c>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="known">The experiment ids that exist (an unknown one is an error naming them).</param>
    public static IReadOnlyList<SettingAssignment> ReadConfig(string path, IReadOnlyCollection<string> known)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllBytes(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new SettingsException($"--config {path}: cannot read it ({e.Message})."); }
        catch (JsonException e) { throw new SettingsException($"--config {path}: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line ({e.Message.Split(" Path:")[0]})."); }
        if (root is not JsonObject experiments)
            throw new SettingsException($"--config {path}: expected a JSON object with one object per experiment id, e.g. {{\"hw1-1-2\": {{\"epochs\": 5}}}}.");
        var list = new List<SettingAssignment>();
        foreach (var (id, settings) in experiments)
        {
            if (!known.Contains(id)) throw new SettingsException($"--config {path}: unknown experiment '{id}'. Known: {string.Join(", ", known)}.");
            if (settings is not JsonObject values) throw new SettingsException($"--config {path}: '{id}' must be an object of settings, e.g. {{\"epochs\": 5}}.");
            Flatten(values, "", id, path, list);
        }
        return list;
    }

    private static void Flatten(JsonObject values, string prefix, string id, string path, List<SettingAssignment> into)
    {
        foreach (var (key, value) in values)
        {
            // A nested object is a group's keys; the group's type decides at apply time whether an object is a leaf.
            if (value is JsonObject group) Flatten(group, prefix + key + ".", id, path, into);
            else into.Add(new SettingAssignment(id, prefix + key, null, value?.DeepClone(), false, $"--config {path}: {id}.{prefix}{key}"));
        }
    }

    /// <summary>
    /// <paramref name="settings"/> with <paramref name="assignments"/> applied in order, checked against the schema.
    /// </summary>
    /// <exception cref="SettingsException">An unknown key, a value of the wrong type, or a value out of range.</exception>
    public static object Apply(string experiment, object settings, IEnumerable<SettingAssignment> assignments)
    {
        var type = settings.GetType();
        var schema = SettingsSchema.Of(type);
        var root = JsonSerializer.SerializeToNode(settings, type, Json.Options)!.AsObject();
        foreach (var a in assignments)
        {
            var info = Find(schema, a.Key) ?? throw Unknown(experiment, schema, a);
            var value = a.Json is not null || a.Text is null ? Checked(experiment, info, a.Json, a) : Parse(experiment, info, a.Text, a);
            if (a.Append)
            {
                if (!info.IsList) throw new SettingsException($"{a.Origin}: {experiment}'s '{info.Key}' is not a list; use = instead of +=.");
                var list = (Node(root, info)?.DeepClone() as JsonArray) ?? [];
                foreach (var item in ((JsonArray)value!).ToList()) list.Add(item?.DeepClone());
                value = list;
            }
            Set(root, info, value);
        }
        object result;
        try { result = root.Deserialize(type, Json.Options)!; }
        catch (JsonException e) { throw new SettingsException($"{experiment}: the settings do not form a valid {type.Name} ({e.Message})."); }
        Check(experiment, result);
        return result;
    }

    /// <summary>Checks every value of <paramref name="settings"/> against its declared range, choices and emptiness.</summary>
    public static void Check(string experiment, object settings)
    {
        foreach (var info in SettingsSchema.Of(settings.GetType()))
        {
            if (info.IsGroup) continue;
            var value = info.ValueIn(settings);
            var d = info.Declared;
            if (value is Array { Length: 0 } && !d.AllowEmpty)
                throw new SettingsException($"{experiment}: '{info.Key}' needs at least one item.");
            foreach (var item in Items(value))
            {
                if (item is double or float or int or long)
                {
                    double x = Convert.ToDouble(item, CultureInfo.InvariantCulture);
                    if (!double.IsFinite(x)) throw new SettingsException($"{experiment}: '{info.Key}' must be a finite number; got {x}.");
                    if (x < d.Min || x > d.Max)
                        throw new SettingsException($"{experiment}: '{info.Key}' must be {d.RangeText}; got {info.Format(item)}.");
                }
                else if (item is string text && d.Choices is { } choices && !choices.Contains(text))
                    throw new SettingsException($"{experiment}: '{info.Key}' must be one of {string.Join(", ", choices)}; got '{text}'.");
            }
        }
    }

    /// <summary>The scalars of a value: itself, or the items of a list (of lists).</summary>
    private static IEnumerable<object?> Items(object? value) => value is Array a ? a.Cast<object?>().SelectMany(Items) : [value];

    /// <summary>The setting <paramref name="key"/> names (ignoring case, '_' and '-'; or by its alias), or null.</summary>
    public static SettingInfo? Find(IReadOnlyList<SettingInfo> schema, string key)
    {
        var wanted = Normalize(key);
        return schema.FirstOrDefault(s => Normalize(s.Key) == wanted)
            ?? schema.FirstOrDefault(s => s.Declared.Alias is { } alias && Normalize(AliasKey(s, alias)) == wanted);
    }

    private static string AliasKey(SettingInfo s, string alias) => s.Key.Contains('.') ? s.Key[..(s.Key.LastIndexOf('.') + 1)] + alias : alias;

    private static string Normalize(string key) => string.Concat(key.Where(c => c is not ('_' or '-'))).ToLowerInvariant();

    private static SettingsException Unknown(string experiment, IReadOnlyList<SettingInfo> schema, SettingAssignment a)
    {
        var wanted = Normalize(a.Key);
        var last = wanted.Split('.')[^1];
        var nearest = schema.Select(s => (s.Key, Distance: Levenshtein(Normalize(s.Key), wanted)))
            .Where(x => x.Distance <= Math.Max(2, wanted.Length / 3)).OrderBy(x => x.Distance).Select(x => x.Key)
            .Concat(schema.Where(s => Normalize(s.Key).Split('.')[^1] == last).Select(s => s.Key)).FirstOrDefault();
        return new SettingsException($"{a.Origin}: {experiment} has no setting '{a.Key}'." + (nearest is null ? "" : $" Did you mean '{nearest}'?") +
            $" Its settings: {string.Join(", ", schema.Select(s => s.Key))} ('describe {experiment}' says what each means).");
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>Text of <c>--set</c> as the JSON of the setting's type: numbers, true/false, text, lists split at the declared separator (or JSON), groups as JSON objects.</summary>
    private static JsonNode? Parse(string experiment, SettingInfo info, string text, SettingAssignment a)
    {
        var trimmed = text.Trim();
        if (info.IsGroup || trimmed.StartsWith('['))
        {
            JsonNode? json;
            try { json = JsonNode.Parse(trimmed); }
            catch (JsonException) { throw Expected(experiment, info, text, a, info.IsGroup ? "a JSON object (or set its keys one by one: " + info.Key + ".<key>=...)" : null); }
            return Checked(experiment, info, json, a);
        }
        if (info.IsList)
        {
            var element = info.Type.GetElementType()!;
            var items = trimmed.Length == 0 ? [] : trimmed.Split(info.Declared.Separator).Select(x => x.Trim()).ToArray();
            var array = new JsonArray();
            foreach (var item in items) array.Add(Scalar(experiment, info, element, item, text, a));
            return array;
        }
        return Scalar(experiment, info, info.Type, trimmed, text, a);
    }

    private static JsonNode? Scalar(string experiment, SettingInfo info, Type type, string item, string text, SettingAssignment a)
    {
        var inner = Nullable.GetUnderlyingType(type);
        if (inner is not null && (item.Equals("none", StringComparison.OrdinalIgnoreCase) || item.Equals("null", StringComparison.OrdinalIgnoreCase))) return null;
        type = inner ?? type;
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(int) && int.TryParse(item, NumberStyles.AllowLeadingSign, invariant, out var i)) return JsonValue.Create(i);
        if (type == typeof(long) && long.TryParse(item, NumberStyles.AllowLeadingSign, invariant, out var l)) return JsonValue.Create(l);
        if (type == typeof(double) && double.TryParse(item, NumberStyles.Float, invariant, out var x) && double.IsFinite(x)) return JsonValue.Create(x);
        if (type == typeof(bool) && bool.TryParse(item, out var b)) return JsonValue.Create(b);
        if (type == typeof(string)) return JsonValue.Create(Choice(info, item));
        throw Expected(experiment, info, text, a, null);
    }

    /// <summary>A config value (or JSON text) checked by reading it as the setting's type; texts with choices take the declared spelling.</summary>
    private static JsonNode? Checked(string experiment, SettingInfo info, JsonNode? value, SettingAssignment a)
    {
        if (info.IsGroup && value is not JsonObject && value is not null)
            throw Expected(experiment, info, value.ToJsonString(), a, "a JSON object");
        try { value.Deserialize(info.Type, Json.Options); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Expected(experiment, info, value?.ToJsonString() ?? "null", a, null);
        }
        if (value is JsonValue v && v.TryGetValue<string>(out var s)) return JsonValue.Create(Choice(info, s));
        if (value is JsonArray list && info.Declared.Choices is not null)
            return new JsonArray([.. list.Select(x => x is JsonValue e && e.TryGetValue<string>(out var t) ? JsonValue.Create(Choice(info, t)) : x?.DeepClone())]);
        return value?.DeepClone();
    }

    private static string Choice(SettingInfo info, string text) =>
        info.Declared.Choices?.FirstOrDefault(c => c.Equals(text, StringComparison.OrdinalIgnoreCase)) ?? text;

    private static SettingsException Expected(string experiment, SettingInfo info, string text, SettingAssignment a, string? what) =>
        new($"{a.Origin}: {experiment}'s '{info.Key}' takes {what ?? info.TypeName}" + (info.IsList && info.Declared.Separator != ',' ? "" : info.IsList ? " (a,b,c or a JSON list)" : "") + $"; got '{text}'.");

    private static JsonNode? Node(JsonObject root, SettingInfo info)
    {
        JsonNode? node = root;
        foreach (var part in info.Key.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node;
    }

    private static void Set(JsonObject root, SettingInfo info, JsonNode? value)
    {
        var parts = info.Key.Split('.');
        var parent = root;
        foreach (var part in parts[..^1])
            parent = parent[part] as JsonObject ?? throw new SettingsException($"'{info.Key}': its group '{part}' is not set.");
        parent[parts[^1]] = value;
    }
}
