using System.Text.Json;
using DeepLite.Experiments.Framework.Settings;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// What fixes an experiment's results: the preset, the master seed, and settings that replace the preset's. Listing
/// an experiment's units, assembling its results, its seeds and its fingerprint depend on this alone (no folder, no
/// data, no progress), so a plan made from it is the plan that runs.
/// </summary>
public sealed record RunConfiguration
{
    /// <summary>The preset.</summary>
    public Preset Preset { get; init; } = Preset.Quick;
    /// <summary>The master seed; each run derives its own from it and the run's id.</summary>
    public long Seed { get; init; } = 1;
    /// <summary>Settings that replace the preset's for the experiment whose settings type they are (tests use tiny ones); null keeps the preset's.</summary>
    public object? SettingsOverride { get; init; }

    /// <summary>
    /// Settings in force per experiment id, made from the preset's by <c>--set</c> and <c>--config</c>
    /// (<see cref="SettingsOverrides.Apply"/>); an experiment not in it runs at the preset's (or <see cref="SettingsOverride"/>).
    /// </summary>
    public IReadOnlyDictionary<string, object>? Overrides { get; init; }

    /// <summary>
    /// The settings in force for <paramref name="experiment"/>: its entry in <see cref="Overrides"/>, else the override if it
    /// is of the experiment's settings type, else the preset's.
    /// </summary>
    public object Settings(IExperiment experiment)
    {
        if (Overrides?.GetValueOrDefault(experiment.Id) is { } given) return given;
        var preset = experiment.PresetSettings(Preset);
        return SettingsOverride is not null && SettingsOverride.GetType() == preset.GetType() ? SettingsOverride : preset;
    }

    /// <summary>
    /// The settings in force for <paramref name="experiment"/> that differ from its preset's, in declaration order:
    /// what REPORT.md, the charts' subtitles, the manifest and the folder's fingerprint say was changed.
    /// </summary>
    public IReadOnlyList<SettingChange> Changes(IExperiment experiment)
    {
        var preset = experiment.PresetSettings(Preset);
        var settings = Settings(experiment);
        if (settings.GetType() != preset.GetType()) return [];
        var changes = new List<SettingChange>();
        foreach (var info in SettingsSchema.Of(preset.GetType()))
        {
            if (info.IsGroup) continue;
            object? was = info.ValueIn(preset), now = info.ValueIn(settings);
            if (JsonSerializer.Serialize(was, info.Type, Json.Compact) != JsonSerializer.Serialize(now, info.Type, Json.Compact))
                changes.Add(new SettingChange(info.Key, info.Format(was), info.Format(now), Items(info, was), Items(info, now)));
        }
        return changes;
    }

    /// <summary>The settings in force for <paramref name="experiment"/>, typed.</summary>
    public T SettingsFor<T>(IExperiment experiment) where T : class => (T)Settings(experiment);

    private static IReadOnlyList<string>? Items(SettingInfo info, object? value) =>
        value is Array a && info.Type.GetElementType() is { IsArray: false } element
            ? [.. a.Cast<object?>().Select(x => new SettingInfo(info.Key, element, info.Declared, info.Path).Format(x))] : null;

    /// <summary>A seed for one run, fixed by the master seed and the run's id.</summary>
    public long RunSeed(string runId)
    {
        // FNV-1a over the id, mixed with the master seed: stable across processes and platforms.
        ulong h = 14695981039346656037UL ^ (ulong)Seed;
        foreach (char c in runId) { h ^= c; h *= 1099511628211UL; }
        return (long)(h & long.MaxValue);
    }

    /// <summary>What a stored run or checkpoint must have been made with to be reused: the run's seed and a hash of the settings in force.</summary>
    public string RunKey(IExperiment experiment, string runId) => $"seed {RunSeed(runId)}, settings {SettingsHash(experiment)}";

    /// <summary>
    /// What an experiment's folder holds results of: seed, preset and a hash of the settings. A folder belongs to one
    /// fingerprint (see <see cref="RunStore.ClaimFolder"/>); shards of one sweep share it.
    /// </summary>
    public string Fingerprint(IExperiment experiment) => $"seed {Seed}, preset {Preset.ToString().ToLowerInvariant()}, settings {SettingsHash(experiment)}" +
        (Changes(experiment) is { Count: > 0 } changes ? $" (changed from the preset: {SettingChange.Describe(changes)})" : "");

    /// <summary>The first 16 hex digits of the SHA-256 of the settings in force, as JSON.</summary>
    private string SettingsHash(IExperiment experiment)
    {
        var settings = Settings(experiment);
        var json = JsonSerializer.Serialize(settings, settings.GetType(), Json.Options);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..16];
    }
}
