namespace DeepLite.Kernels;

/// <summary>
/// The library's large allocations (tensor buffers, kernel workspaces), which say what they were for and what the
/// limit is when memory runs out: the runtime's own "Out of memory." names neither the request nor the limit (a
/// container's, or DOTNET_GCHeapHardLimit's).
/// </summary>
internal static class Allocation
{
    /// <summary>
    /// A new array of <paramref name="length"/> elements with unspecified contents (zeroed when <paramref name="zeroed"/>),
    /// or an <see cref="InsufficientMemoryException"/> (an <see cref="OutOfMemoryException"/>) naming
    /// <paramref name="what"/> (e.g. "a tensor"), its size and the heap's limit, with <paramref name="context"/>'s
    /// words. Nothing is formatted unless it fails: unpooled tensors come through here on every creation.
    /// </summary>
    public static T[] Array<T>(int length, string what, bool zeroed = false, Func<string>? context = null) where T : unmanaged
    {
        try { return zeroed ? new T[length] : GC.AllocateUninitializedArray<T>(length); }
        catch (OutOfMemoryException e) when (e is not InsufficientMemoryException)
        {
            throw OutOfMemory((long)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(),
                $"{what} of {length:N0} {typeof(T).Name} elements", context?.Invoke(), e);
        }
    }

    /// <summary>The exception for a failed request of <paramref name="bytes"/> for <paramref name="what"/>.</summary>
    public static InsufficientMemoryException OutOfMemory(long bytes, string what, string? context, Exception? inner)
    {
        var info = GC.GetGCMemoryInfo();
        string limit = Environment.GetEnvironmentVariable("DOTNET_GCHeapHardLimit") is { Length: > 0 } hard
            ? $"DOTNET_GCHeapHardLimit={hard}"
            : "the machine's or the container's memory";
        return new InsufficientMemoryException(
            $"Out of memory: {what} needs {Megabytes(bytes)}, and the managed heap already holds {Megabytes(GC.GetTotalMemory(false))} " +
            $"of the {Megabytes(info.TotalAvailableMemoryBytes)} it may use ({limit}).{(context is null ? "" : " " + context)} " +
            "A smaller batch or model needs less; or raise the limit.", inner);
    }

    private static string Megabytes(long bytes) => $"{bytes / 1048576.0:F1} MB";
}
