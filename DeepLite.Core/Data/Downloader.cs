namespace DeepLite.Data;

/// <summary>
/// Downloads one file to a temporary name beside its destination, retrying and falling back across
/// addresses; the caller verifies the temporary file before renaming it, so an interrupted or corrupt
/// download never leaves a file that later passes as complete.
/// </summary>
internal sealed class Downloader(HttpClient http, int attemptsPerUrl, TimeSpan retryDelay, IProgress<DataProgress>? progress)
{
    /// <summary>How long a partial download goes unwritten before it counts as abandoned (longer than the HTTP timeout).</summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Tries each URL in turn (<c>attemptsPerUrl</c> times each); <paramref name="accept"/> checks a finished
    /// temporary file and returns null when it is good or the reason it is not. Returns the URL that
    /// worked; throws listing every failure.
    /// </summary>
    public string Download(IReadOnlyList<string> urls, string destination, Func<string, string?> accept)
    {
        var failures = new List<string>();
        var folder = Path.GetDirectoryName(Path.GetFullPath(destination))!;
        Directory.CreateDirectory(folder);
        // A partial download left by a killed process is deleted; a recent one may be another process's live download
        // of the same file into a shared cache (the shards of a job array start together), and is left alone.
        foreach (var stale in Directory.GetFiles(folder, Path.GetFileName(destination) + ".*.download"))
            if (File.GetLastWriteTimeUtc(stale) < DateTime.UtcNow - AbandonedAfter)
                try { File.Delete(stale); } catch (IOException) { }
        foreach (var url in urls)
        {
            for (int attempt = 1; attempt <= attemptsPerUrl; attempt++)
            {
                var temp = $"{destination}.{Guid.NewGuid():N}.download";
                try
                {
                    Fetch(url, temp, Path.GetFileName(destination));
                    var problem = accept(temp);
                    if (problem is null)
                    {
                        File.Move(temp, destination, overwrite: true);
                        return url;
                    }
                    failures.Add($"{url} (attempt {attempt}): {problem}");
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or DatasetFormatException)
                {
                    failures.Add($"{url} (attempt {attempt}): {e.Message}");
                }
                finally
                {
                    if (File.Exists(temp)) File.Delete(temp);
                }
                if (attempt < attemptsPerUrl) Thread.Sleep(retryDelay * attempt);
            }
        }
        throw new IOException($"Could not download {Path.GetFileName(destination)}:\n  " + string.Join("\n  ", failures));
    }

    private void Fetch(string url, string temp, string name)
    {
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        long? total = response.Content.Headers.ContentLength;
        long done = 0;
        using (var input = response.Content.ReadAsStream())
        using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
        {
            var buffer = new byte[1 << 16];
            int read;
            long lastReport = 0;
            try
            {
                while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    output.Write(buffer, 0, read);
                    done += read;
                    if (done - lastReport >= 1 << 20) { progress?.Report(new("download", name, done, total)); lastReport = done; }
                }
            }
            catch (IOException e)
            {
                throw new IOException($"the connection closed after {done} of {total?.ToString() ?? "unknown"} bytes ({e.Message})", e);
            }
        }
        progress?.Report(new("download", name, done, total));
        if (total is long expected && done != expected)
            throw new IOException($"the connection closed after {done} of {expected} bytes");
    }
}
