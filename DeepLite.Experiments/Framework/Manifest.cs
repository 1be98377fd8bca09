using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using DeepLite.Kernels;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Experiments.Framework;

/// <summary>Writes manifest.json: settings, seeds, preset, versions, machine and the timing of every run.</summary>
public static class Manifest
{
    public static void Write(IExperiment experiment, ExperimentContext context, IDictionary<string, object>? extra = null)
    {
        var folder = context.Store.Folder(experiment);
        var settings = context.Configuration.Settings(experiment);
        var runs = Directory.Exists(Path.Combine(folder, "runs"))
            ? Directory.GetFiles(Path.Combine(folder, "runs"), "*.json").Order(StringComparer.Ordinal)
                .Select(f => JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(f), Json.Options)!).ToList()
            : [];
        var manifest = new Dictionary<string, object?>
        {
            ["experiment"] = experiment.Id,
            ["title"] = experiment.Title,
            ["preset"] = context.Preset.ToString().ToLowerInvariant(),
            ["seed"] = context.Seed,
            ["settings"] = settings,
            // The settings changed from the preset (--set, --config): what REPORT.md says beside the preset's verdicts.
            ["changedFromPreset"] = context.Configuration.Changes(experiment).Select(c => new Dictionary<string, string> { ["key"] = c.Key, ["preset"] = c.Preset, ["value"] = c.Value }).ToList(),
            ["deepLiteVersion"] = Version,
            ["gitCommit"] = GitCommit(),
            // The threads the units trained with (a sharded sweep's tasks, not the assembling process); one number when
            // they agree, else each value.
            ["threads"] = runs.Select(r => r.Threads).OfType<int>().Distinct().Order().ToList() switch
            {
                [] => Parallelism.MaxThreads,
                [int one] => one,
                var several => several,
            },
            ["machine"] = new Dictionary<string, object>
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["dotnet"] = Environment.Version.ToString(),
                ["gemmKernel"] = GemmKernel.InstructionSet,
            },
            ["runs"] = runs,
            ["totalRunSeconds"] = runs.Sum(r => r.Seconds),
            // The charts of the settings in force (the report embeds these).
            ["charts"] = experiment.ChartsFor(context.Configuration).SelectMany(c => new[] { c + ".png", c + ".svg" }).ToList(),
        };
        var path = Path.Combine(folder, "manifest.json");
        // The peaks of the processes that trained the units: this one's when it trained, the records' (each the peak
        // of the process of its last attempt) for units stored by others (shards of a job array), the largest of each.
        var peaks = runs.Select(r => r.Memory).OfType<MemoryPeaks>().ToList();
        if (context.RunsComputed > 0 && context.Memory?.Peaks() is { } own) peaks.Add(own);
        if (peaks.Count > 0)
            manifest["memory"] = Block(new MemoryPeaks(peaks.Max(p => p.ResidentBytes), peaks.All(p => p.ResidentSinceStart),
                peaks.Max(p => p.GcCommittedBytes), peaks.Max(p => p.LargestStepBytes)));
        else if (PreviousMemory(path) is { } trained)
            manifest["memory"] = trained; // read back from records without memory (older ones): keep what the process that trained wrote
        else if (context.Memory?.Peaks() is { } memory)
            manifest["memory"] = Block(memory);
        // An experiment's entries add to the framework's, never replace them (hw1-2-3's run count once replaced the list of runs).
        if (extra is not null)
            foreach (var (k, v) in extra)
                if (!manifest.TryAdd(k, v)) throw new InvalidOperationException($"{experiment.Id}: the manifest entry '{k}' is the framework's.");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(manifest, Json.Options));
    }

    private static Dictionary<string, object> Block(MemoryPeaks peaks) => new()
    {
        ["peakResidentBytes"] = peaks.ResidentBytes,
        ["peakResidentIsThisExperiments"] = peaks.ResidentSinceStart,
        ["peakGcCommittedBytes"] = peaks.GcCommittedBytes,
        ["largestStepTensorBytes"] = peaks.LargestStepBytes,
    };

    /// <summary>The memory block of an earlier manifest at <paramref name="path"/>, if it has one.</summary>
    private static JsonElement? PreviousMemory(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("memory", out var memory) ? memory.Clone() : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// The library's informational version, as <c>--version</c> prints it (0.1.0+commit); the assembly version
    /// (0.1.0.0) left the commit out, so <c>info</c> and <c>--version</c> disagreed.
    /// </summary>
    public static string Version =>
        typeof(GemmKernel).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion
        ?? typeof(GemmKernel).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// The commit the console was built from: the one in <see cref="Version"/> (the SDK appends it, "0.1.0+&lt;sha&gt;",
    /// when it builds from a git checkout; a published console has no repository next to it), else <c>git rev-parse
    /// HEAD</c> in the current directory, else "unknown".
    /// </summary>
    private static string GitCommit()
    {
        var built = Version.Split('+') is [_, var sha] ? sha : "";
        if (built.Length >= 7 && built.All(Uri.IsHexDigit)) return built;
        try
        {
            var psi = new ProcessStartInfo("git", "rev-parse HEAD") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is null) return "unknown";
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "unknown";
        }
    }
}
