using System.Runtime.CompilerServices;
namespace DeepLite.Kernels;

/// <summary>Strided block copies: what narrowing an axis, its adjoint and concatenation along an axis move.</summary>
internal static class BlockCopy
{
    /// <summary>
    /// For b in [0, <paramref name="count"/>): dst[b·dstStride .. + block) = src[b·srcStride .. + block)
    /// (the spans start at the first block).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy<T>(ReadOnlySpan<T> src, int srcStride, Span<T> dst, int dstStride, int block, int count)
    {
        for (int b = 0; b < count; b++) src.Slice(b * srcStride, block).CopyTo(dst.Slice(b * dstStride, block));
    }
}
