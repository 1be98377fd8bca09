using System.Text.Json;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// What the report reads from an experiment's manifest.json: its preset, seed, total run time and settings. A results
/// folder may come from another machine or have been edited, so the file is checked: a manifest that is not JSON, or
/// lacks one of these or has it of another type, is an <see cref="InvalidDataException"/> naming the file and the
/// field (it was a KeyNotFoundException or an InvalidOperationException from the JSON reader).
/// </summary>
/// <param name="Preset">"quick" or "full" (any string the file holds).</param>
/// <param name="Seed">The seed, as written.</param>
/// <param name="TotalRunSeconds">The seconds of all its units.</param>
/// <param name="Settings">The settings object, as JSON text.</param>
/// <param name="Changes">The settings changed from the preset (<c>changedFromPreset</c>; none in manifests written before it existed).</param>
/// <param name="Charts">The charts drawn, by name without extension (<c>charts</c>; null when the manifest lists none).</param>
public sealed record ManifestSummary(string Preset, string Seed, double TotalRunSeconds, string Settings, IReadOnlyList<Settings.SettingChange> Changes,
    IReadOnlyList<string>? Charts)
{
    /// <summary>The summary of the manifest at <paramref name="path"/>, or null when there is none.</summary>
    public static ManifestSummary? Read(string path)
    {
        if (!File.Exists(path)) return null;
        JsonDocument document;
        var bytes = File.ReadAllBytes(path);
        try
        {
            // JSON is UTF-8; the reader checks the structure but leaves string contents to when they are read, where
            // a bad byte was an InvalidOperationException (found by fuzzing).
            new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(bytes);
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (System.Text.DecoderFallbackException e) { throw new InvalidDataException($"{path}: not UTF-8 text ({e.Message})", e); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}: expected a JSON object, found {root.ValueKind}.");
            JsonElement Field(string name, params JsonValueKind[] kinds) =>
                root.TryGetProperty(name, out var value) && kinds.Contains(value.ValueKind) ? value
                    : throw new InvalidDataException($"{path}: expected '{name}' as {string.Join(" or ", kinds)}, found {(root.TryGetProperty(name, out var v) ? v.ValueKind.ToString() : "nothing")}.");
            var seconds = Field("totalRunSeconds", JsonValueKind.Number);
            if (!seconds.TryGetDouble(out double total) || !double.IsFinite(total))
                throw new InvalidDataException($"{path}: 'totalRunSeconds' is not a finite number: {seconds.GetRawText()}.");
            var changes = new List<Settings.SettingChange>();
            if (root.TryGetProperty("changedFromPreset", out var changed))
            {
                if (changed.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: expected 'changedFromPreset' as Array, found {changed.ValueKind}.");
                foreach (var change in changed.EnumerateArray())
                {
                    string Text(string name) => change.ValueKind == JsonValueKind.Object && change.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!
                        : throw new InvalidDataException($"{path}: each entry of 'changedFromPreset' needs '{name}' as String: {change.GetRawText()}.");
                    changes.Add(new Settings.SettingChange(Text("key"), Text("preset"), Text("value")));
                }
            }
            List<string>? charts = null;
            if (root.TryGetProperty("charts", out var files))
            {
                if (files.ValueKind != JsonValueKind.Array || files.EnumerateArray().Any(f => f.ValueKind != JsonValueKind.String))
                    throw new InvalidDataException($"{path}: expected 'charts' as an Array of String, found {files.ValueKind}.");
                charts = [.. files.EnumerateArray().Select(f => Path.GetFileNameWithoutExtension(f.GetString()!)).Distinct()];
            }
            return new ManifestSummary(Field("preset", JsonValueKind.String).GetString()!, Field("seed", JsonValueKind.Number, JsonValueKind.String).ToString(),
                total, Field("settings", JsonValueKind.Object).GetRawText(), changes, charts);
        }
    }
}
