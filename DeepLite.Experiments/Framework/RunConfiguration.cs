using System.Text.Json;

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

    /// <summary>The settings in force for <paramref name="experiment"/>: the override if it is of the experiment's settings type, else the preset's.</summary>
    public object Settings(IExperiment experiment)
    {
        var preset = experiment.PresetSettings(Preset);
        return SettingsOverride is not null && SettingsOverride.GetType() == preset.GetType() ? SettingsOverride : preset;
    }

    /// <summary>The settings in force for <paramref name="experiment"/>, typed.</summary>
    public T SettingsFor<T>(IExperiment experiment) where T : class => (T)Settings(experiment);

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
    public string Fingerprint(IExperiment experiment) => $"seed {Seed}, preset {Preset.ToString().ToLowerInvariant()}, settings {SettingsHash(experiment)}";

    /// <summary>The first 16 hex digits of the SHA-256 of the settings in force, as JSON.</summary>
    private string SettingsHash(IExperiment experiment)
    {
        var settings = Settings(experiment);
        var json = JsonSerializer.Serialize(settings, settings.GetType(), Json.Options);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(json)))[..16];
    }
}
