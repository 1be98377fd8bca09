namespace DeepLite.Kernels;

/// <summary>How many threads DeepLite's kernels may use (the calling thread included).</summary>
public static class Parallelism
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>
    /// The thread limit for GEMM, convolution and the other parallel kernels: 1..the number of cores
    /// (default: all cores). Results do not depend on it.
    /// </summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), $"MaxThreads must be at least 1, got {value}.");
            _maxThreads = Math.Min(value, Environment.ProcessorCount);
        }
    }
}
