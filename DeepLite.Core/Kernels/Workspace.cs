using System.Numerics;

namespace DeepLite.Kernels;

/// <summary>
/// Scratch buffers that kernels reuse across calls instead of allocating: a few numbered slots per
/// thread and element type, each grown to the largest size asked for and then kept until
/// <see cref="Workspace.Release"/>.
/// </summary>
internal static class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Im2ColSlot = 0, MatrixSlot = 1, GradientColumnsSlot = 2, PaddedInputSlot = 3, PaddedGradientSlot = 4, PartialSumsSlot = 5, PackedWeightsSlot = 6, WinogradWeightsSlot = 7;

    [ThreadStatic] private static T[]?[]? _slots;

    /// <summary>A buffer of at least <paramref name="length"/> elements; its contents are unspecified.</summary>
    public static T[] Get(int slot, int length)
    {
        var slots = _slots ??= Workspace.Register(new T[]?[8]);
        var buffer = slots[slot];
        if (buffer is null || buffer.Length < length) slots[slot] = buffer = new T[length];
        return buffer;
    }
}

/// <summary>Every thread's workspace slots, so that they can be released between steps.</summary>
internal static class Workspace
{
    private static readonly List<Array> Slots = [];

    public static T[]?[] Register<T>(T[]?[] slots) where T : unmanaged
    {
        lock (Slots) Slots.Add(slots);
        return slots;
    }

    /// <summary>
    /// Drops every thread's scratch buffers; the next call that needs one makes it again. Safe while kernels run:
    /// a kernel holds its buffer in a local for the whole call, so it only loses the reuse. A sweep of CNNs leaves
    /// large im2col and Winograd buffers on every thread, which the next, small experiment would otherwise keep.
    /// </summary>
    public static long Release()
    {
        long bytes = 0;
        lock (Slots)
            foreach (var slots in Slots)
                for (int i = 0; i < slots.Length; i++)
                    if (slots.GetValue(i) is Array buffer)
                    {
                        bytes += (long)buffer.Length * (buffer is float[] ? 4 : 8);
                        slots.SetValue(null, i);
                    }
        return bytes;
    }
}
