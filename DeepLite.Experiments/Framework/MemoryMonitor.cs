using DeepLite.Tensors;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Peak memory of one experiment: resident set (the kernel's high-water mark, reset at the start where Linux
/// allows it), GC committed bytes (sampled every 100 ms), and the tensor pool's largest step (the temporaries
/// one step keeps alive at once: the floor a training loop cannot go below).
/// </summary>
public sealed class MemoryMonitor : IDisposable
{
    private readonly Timer _timer;
    private readonly bool _residentReset;
    private long _peakGcCommitted;

    /// <summary>Starts measuring from now.</summary>
    public MemoryMonitor()
    {
        _residentReset = TryResetResidentPeak();
        TensorPool.ResetPeak();
        Sample();
        _timer = new Timer(_ => Sample(), null, 100, 100);
    }

    private void Sample()
    {
        long committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        long seen;
        while (committed > (seen = Interlocked.Read(ref _peakGcCommitted)) && Interlocked.CompareExchange(ref _peakGcCommitted, committed, seen) != seen) { }
    }

    /// <summary>The peaks so far, for the manifest.</summary>
    public MemoryPeaks Peaks()
    {
        Sample();
        return new MemoryPeaks(ResidentPeak(), _residentReset, Interlocked.Read(ref _peakGcCommitted), TensorPool.Statistics.PeakInUseBytes);
    }

    /// <inheritdoc/>
    public void Dispose() => _timer.Dispose();

    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later); elsewhere the peak is the process's.
    private static bool TryResetResidentPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { return false; }
    }

    private static long ResidentPeak()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return Environment.WorkingSet; // no /proc: the current working set, the best this platform tells
    }
}

/// <summary>Peak memory of an experiment, in bytes.</summary>
/// <param name="ResidentBytes">Peak resident set size.</param>
/// <param name="ResidentSinceStart">True when the resident peak is this experiment's own (reset at its start); false when it is the process's so far.</param>
/// <param name="GcCommittedBytes">Peak memory the GC had committed.</param>
/// <param name="LargestStepBytes">The tensor pool's peak in-use bytes: the temporaries of the largest step.</param>
public sealed record MemoryPeaks(long ResidentBytes, bool ResidentSinceStart, long GcCommittedBytes, long LargestStepBytes)
{
    /// <summary>"3.7 GB resident (GC 3.1 GB; largest step 2.9 GB)".</summary>
    public override string ToString() => $"{Gb(ResidentBytes)} resident (GC committed {Gb(GcCommittedBytes)}; largest step's tensors {Gb(LargestStepBytes)})";

    private static string Gb(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):F2} GB" : $"{bytes / (double)(1L << 20):F0} MB";
}
