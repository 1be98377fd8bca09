using System.Numerics;

namespace DeepLite.Kernels;

/// <summary>
/// Scratch buffers that kernels reuse across calls instead of allocating: a few numbered slots per
/// thread and element type, each grown to the largest size asked for and then kept.
/// </summary>
internal static class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Im2ColSlot = 0, MatrixSlot = 1, GradientColumnsSlot = 2, PaddedInputSlot = 3, PaddedGradientSlot = 4, PartialSumsSlot = 5, PackedWeightsSlot = 6, WinogradWeightsSlot = 7;

    [ThreadStatic] private static T[]?[]? _slots;

    /// <summary>A buffer of at least <paramref name="length"/> elements; its contents are unspecified.</summary>
    public static T[] Get(int slot, int length)
    {
        var slots = _slots ??= new T[]?[8];
        var buffer = slots[slot];
        if (buffer is null || buffer.Length < length) slots[slot] = buffer = new T[length];
        return buffer;
    }
}
