namespace DeepLite.Experiments.Framework.Settings;

/// <summary>
/// A setting whose value in force differs from the preset's, both as <see cref="SettingInfo.Format"/> writes them; for a
/// list, its items too (so a long list's change can be told by what was added and removed).
/// </summary>
public sealed record SettingChange(string Key, string Preset, string Value, IReadOnlyList<string>? PresetItems = null, IReadOnlyList<string>? ValueItems = null)
{
    /// <summary>"epochs 5 → 50": the whole change.</summary>
    public override string ToString() => $"{Key} {Preset} → {Value}";

    /// <summary>
    /// The change in at most about 100 characters, for a chart's subtitle: whole when it fits; for a list, the items added
    /// and removed (a model by its name); else both values cut.
    /// </summary>
    public string Short()
    {
        var whole = ToString();
        if (whole.Length <= 100) return whole;
        if (PresetItems is not null && ValueItems is not null)
        {
            static string Label(string item) => item.Contains(':') ? item[..item.IndexOf(':')].Trim() : Cut(item, 30);
            var added = ValueItems.Except(PresetItems).Select(Label).ToList();
            var removed = PresetItems.Except(ValueItems).Select(Label).ToList();
            var parts = new List<string>();
            if (added.Count > 0) parts.Add("added " + string.Join(", ", added));
            if (removed.Count > 0) parts.Add("removed " + string.Join(", ", removed));
            if (parts.Count > 0) return $"{Key}: {string.Join(", ", parts)}";
        }
        return $"{Key} {Cut(Preset, 40)} → {Cut(Value, 40)}";
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    /// <summary>"epochs 5 → 50; optimizer.name Adadelta → Adam": the changes as one line.</summary>
    public static string Describe(IEnumerable<SettingChange> changes) => string.Join("; ", changes);
}
