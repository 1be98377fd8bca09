using System.Numerics;

namespace DeepLite.Kernels;

/// <summary>What a kernel's scratch buffer holds: each use has its own slot, so two buffers a kernel needs at once never alias.</summary>
internal enum WorkspaceSlot
{
    /// <summary>The unfolded input windows of im2col.</summary>
    Im2Col,
    /// <summary>A product's output matrix before it is laid out as the tensor.</summary>
    Matrix,
    /// <summary>The gradient's columns before col2im folds them back.</summary>
    GradientColumns,
    /// <summary>An input plane with its padding written out.</summary>
    PaddedInput,
    /// <summary>An output gradient plane with its padding written out.</summary>
    PaddedGradient,
    /// <summary>Per-thread partial sums reduced in a fixed order.</summary>
    PartialSums,
    /// <summary>Weights packed for the GEMM micro-kernel.</summary>
    PackedWeights,
    /// <summary>The Winograd-transformed weights.</summary>
    WinogradWeights,
    /// <summary>A few filters' output planes of one sample, pooled before they leave the cache.</summary>
    ConvOutputBlock,
    /// <summary>The Winograd-transformed weights, or their gradient's products, of one block of filters.</summary>
    WinogradFilterBlock,
    /// <summary>The Winograd products of one block of filters before the output transform.</summary>
    WinogradBlockProducts,
}

/// <summary>
/// Scratch buffers that kernels reuse across calls instead of allocating: one per <see cref="WorkspaceSlot"/>, thread
/// and element type, each grown to the largest size asked for and then kept until <see cref="Workspace.Release"/>.
/// </summary>
internal static class Workspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static T[]?[]? _slots;

    /// <summary>A buffer of at least <paramref name="length"/> elements; its contents are unspecified.</summary>
    public static T[] Get(WorkspaceSlot slot, int length)
    {
        var slots = _slots ??= Workspace.Register(new T[]?[Enum.GetValues<WorkspaceSlot>().Length]);
        var buffer = slots[(int)slot];
        if (buffer is null || buffer.Length < length) slots[(int)slot] = buffer = Grow(slot, length);
        return buffer;
    }

    // Out of line: Get runs on every kernel call and grows almost never; the message's formatting inline made a CNN
    // step measurably slower (benchmarks/README.md, "Measurements behind the code").
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static T[] Grow(WorkspaceSlot slot, int length) => Allocation.Array<T>(length, $"a kernel's {slot} workspace", zeroed: true);
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
