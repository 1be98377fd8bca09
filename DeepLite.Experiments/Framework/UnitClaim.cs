using System.Diagnostics;
using System.Globalization;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// A unit's claim while one console trains it: <c>runs/&lt;unit&gt;.lock</c>, made atomically, naming the host, the
/// process and (in a job array) the array task, and touched every <see cref="Heartbeat"/> while the unit trains. A second
/// console on the same folder finds the claim and leaves the unit to its holder instead of training it twice. A claim is
/// taken over when its holder is gone: on this host a process that no longer runs, elsewhere a claim not touched for
/// <see cref="Stale"/>, and always one of this process's own array task (a requeued attempt).
/// </summary>
public sealed class UnitClaim : IDisposable
{
    /// <summary>How often a held claim is touched.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    /// <summary>A claim of another host not touched for this long is its holder's no longer.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromMinutes(3);

    private readonly string _path;
    private readonly Timer _heartbeat;

    private UnitClaim(string path)
    {
        _path = path;
        _heartbeat = new Timer(_ => { try { File.SetLastWriteTimeUtc(_path, DateTime.UtcNow); } catch (IOException) { } }, null, Heartbeat, Heartbeat);
    }

    /// <summary>This process's identity in a claim: host, process id, and the job array task if any.</summary>
    internal static string Me => $"{Environment.MachineName} {Environment.ProcessId} {ArrayTask ?? "-"}";

    private static string? ArrayTask =>
        Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } job ? $"slurm:{job}_{Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID")}"
        : Environment.GetEnvironmentVariable("JOB_COMPLETION_INDEX") is { Length: > 0 } index ? $"k8s:{index}" : null;

    /// <summary>Claims the unit whose lock is <paramref name="path"/>, or returns null and who holds it.</summary>
    public static UnitClaim? TryTake(string path, out string? holder)
    {
        holder = null;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(stream)) writer.Write(Me);
                return new UnitClaim(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                string text;
                DateTime touched;
                try { text = File.ReadAllText(path).Trim(); touched = File.GetLastWriteTimeUtc(path); }
                catch (FileNotFoundException) { continue; } // released meanwhile: try again
                if (Held(text, touched)) { holder = text; return null; }
                File.Delete(path); // its holder is gone: take it over
            }
        }
        throw new IOException($"{path} keeps changing: another console is claiming the same unit at the same time.");
    }

    /// <summary>Whether the claim <paramref name="text"/> (host pid task), last touched at <paramref name="touched"/>, is still its holder's.</summary>
    private static bool Held(string text, DateTime touched)
    {
        var parts = text.Split(' ');
        if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false; // not a claim: replace it
        if (parts[2] != "-" && parts[2] == ArrayTask) return false; // our own array task's earlier attempt (requeued)
        if (parts[0] != Environment.MachineName) return DateTime.UtcNow - touched < Stale;
        if (pid == Environment.ProcessId) return false;
        try { using var process = Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; } // no such process
    }

    /// <summary>Releases the claim (its unit is stored, or failed, or was cancelled).</summary>
    public void Dispose()
    {
        _heartbeat.Dispose();
        try { File.Delete(_path); } catch (IOException) { }
    }
}
