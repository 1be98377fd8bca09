using System.Text;

namespace DeepLite.Serialization;

/// <summary>
/// Writes files through a temporary name in the same folder and a rename, so a killed process never
/// leaves a truncated file: readers see the old content or the new one, nothing in between.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="write"/>'s output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temp = TemporaryName(folder, Path.GetFileName(path));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (IOException e) when (e.Message.Contains(temp, StringComparison.Ordinal) || !e.Message.Contains(path, StringComparison.Ordinal))
        {
            // The system names the temporary file (or nothing); the user knows the file being written. The target is nothing
            // half-written: it is the old file or none.
            throw new IOException($"Could not write {path}: {e.Message.Replace(temp, "its temporary file", StringComparison.Ordinal)} (the file is unchanged).", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// A temporary name beside <paramref name="fileName"/> in <paramref name="folder"/>:
    /// <c>.name.host-pid.guid.tmp</c>, so that <see cref="RemoveStaleTemporaryFiles"/> can tell one a killed
    /// process left from one a live process (on this machine or another sharing the folder) is writing.
    /// </summary>
    public static string TemporaryName(string folder, string fileName) =>
        Path.Combine(folder, $".{fileName}.{Host}-{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    private static readonly string Host = string.Concat(Environment.MachineName.Select(c => char.IsLetterOrDigit(c) ? c : '_'));

    /// <summary>
    /// Deletes the temporary files of atomic writes under <paramref name="folder"/> that no process will finish:
    /// those of a process of this machine that is no longer running, and any older than a day. A write killed
    /// mid-way (kill -9, a full disk) leaves one; without a sweep they piled up. Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemporaryFiles(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories))
        {
            var parts = Path.GetFileName(file).Split('.');
            // [ "", name..., "host-pid", guid, "tmp" ]
            var owner = parts.Length >= 4 ? parts[^3] : "";
            int dash = owner.LastIndexOf('-');
            int pid = 0;
            bool mine = dash > 0 && owner[..dash] == Host && int.TryParse(owner[(dash + 1)..], out pid);
            bool stale;
            try
            {
                stale = File.GetLastWriteTimeUtc(file) < DateTime.UtcNow.AddDays(-1) || (mine && !IsRunning(pid));
            }
            catch (IOException) { continue; }
            if (!stale) continue;
            try { File.Delete(file); removed++; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Writes text (UTF-8, no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));
}
