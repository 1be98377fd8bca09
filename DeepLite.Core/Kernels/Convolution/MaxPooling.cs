using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// Max pooling over NCHW windows in one pass: each output gets the window maximum and the flat index
/// of the first element that attains it (scan order: rows, then columns), which the backward pass uses
/// to route the gradient. Windows are clipped at the padded border; padding never wins.
/// </summary>
internal static class MaxPooling
{
    /// <summary>Pools every (sample, channel) plane, the planes split over the worker pool.</summary>
    public static void Forward<T>(T[] x, int offset, ConvGeometry g, T[] y, int[] argmax) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = g.N * g.C;
        WorkerPool.For(planes, (p0, p1) =>
        {
            Planes(x.AsSpan(offset, planes * g.H * g.W), g, y, argmax, p0, p1, 0);
        });
    }

    /// <summary>
    /// Pools the first <paramref name="planes"/> planes of <paramref name="x"/> into <paramref name="y"/> and
    /// <paramref name="argmax"/> (each from index 0) on the calling thread, the winners' flat indices counted from
    /// <paramref name="indexBase"/>: a fused kernel pools a block of planes it has just computed, while they are in cache.
    /// </summary>
    public static void PoolPlanes<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> y, Span<int> argmax, int planes, int indexBase) where T : unmanaged, IFloatingPointIeee754<T> =>
        Planes(x, g, y, argmax, 0, planes, indexBase);

    /// <summary>Whether <paramref name="g"/> is the 2x2, stride-2, unpadded pooling the vector path takes (and <see cref="PoolPlanes{T}"/>'s fused callers need).</summary>
    public static bool IsTwoByTwo(ConvGeometry g) => g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PadTop == 0 && g.PadLeft == 0
        && 2 * g.OH <= g.H && 2 * g.OW <= g.W; // (a ceil-mode output has a last window that overhangs)

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Planes<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> y, Span<int> argmax, int firstPlane, int endPlane, int indexBase) where T : unmanaged, IFloatingPointIeee754<T>
    {
        byte* masks = stackalloc byte[128]; // Simd.StoreFirst's table, for the AVX-512 planes
        Simd.FillMaskTable(masks);
        for (int plane = firstPlane; plane < endPlane; plane++)
        {
            var src = x.Slice(plane * g.H * g.W, g.H * g.W);
            int baseIndex = indexBase + plane * g.H * g.W;
            if (IsTwoByTwo(g) && typeof(T) == typeof(float) && Avx512F.IsSupported)
            {
                // The hot case on AVX-512: every window of the plane in sixteens, the last sixteen of a row masked.
                int o = plane * g.OH * g.OW;
                fixed (T* px = src) fixed (T* py = y) fixed (int* pa = argmax)
                    TwoByTwoPlaneAvx512((float*)px, g.W, g.OH, g.OW, baseIndex, (float*)py + o, pa + o, masks);
                continue;
            }
            if (IsTwoByTwo(g))
            {
                // The hot case: 2x2 windows with stride 2, unpadded.
                for (int oh = 0; oh < g.OH; oh++)
                {
                    var r0 = src.Slice(2 * oh * g.W, g.W);
                    var r1 = src.Slice((2 * oh + 1) * g.W, g.W);
                    int o = (plane * g.OH + oh) * g.OW;
                    int ow = 0;
                    if (typeof(T) == typeof(float) && Avx2.IsSupported)
                        ow = TwoByTwoRowAvx2(MemoryMarshal.Cast<T, float>(r0), MemoryMarshal.Cast<T, float>(r1), g.OW, g.W,
                            baseIndex + 2 * oh * g.W, MemoryMarshal.Cast<T, float>(y.Slice(o, g.OW)), argmax.Slice(o, g.OW));
                    for (; ow < g.OW; ow++)
                    {
                        int c = 2 * ow;
                        T best = r0[c]; int at = 2 * oh * g.W + c;
                        if (Wins(r0[c + 1], best)) { best = r0[c + 1]; at = 2 * oh * g.W + c + 1; }
                        if (Wins(r1[c], best)) { best = r1[c]; at = (2 * oh + 1) * g.W + c; }
                        if (Wins(r1[c + 1], best)) { best = r1[c + 1]; at = (2 * oh + 1) * g.W + c + 1; }
                        y[o + ow] = best; argmax[o + ow] = baseIndex + at;
                    }
                }
                continue;
            }
            for (int oh = 0; oh < g.OH; oh++)
                for (int ow = 0; ow < g.OW; ow++)
                {
                    T best = T.NegativeInfinity; int at = -1;
                    for (int i = 0; i < g.KH; i++)
                    {
                        int ih = oh * g.SH + i - g.PadTop;
                        if ((uint)ih >= (uint)g.H) continue;
                        for (int j = 0; j < g.KW; j++)
                        {
                            int iw = ow * g.SW + j - g.PadLeft;
                            if ((uint)iw >= (uint)g.W) continue;
                            T v = src[ih * g.W + iw];
                            if (at < 0 || Wins(v, best)) { best = v; at = ih * g.W + iw; }
                        }
                    }
                    int o = (plane * g.OH + oh) * g.OW + ow;
                    y[o] = best; argmax[o] = baseIndex + at;
                }
        }
    }

    /// <summary>
    /// Whether a candidate displaces the window's best so far: a larger value (strictly, so the first maximum
    /// wins) or a NaN, so that a NaN anywhere in a window makes the output NaN, as in PyTorch's max_pool2d
    /// (whose rule this is: <c>val &gt; max || isnan(val)</c>).
    /// </summary>
    private static bool Wins<T>(T candidate, T best) where T : IFloatingPointIeee754<T> => candidate > best || T.IsNaN(candidate);

    /// <summary>
    /// Every 2x2 window of a plane, sixteen per step (a last, narrower column of steps masked): the two input rows' 32
    /// values split into even and odd columns by two-source permutes, the four candidates compared in scan order by the
    /// scalar loop's rule (<see cref="Wins{T}"/>: strictly greater, or NaN), and the winner's flat index built from which
    /// candidate won. Steps go down the rows, so a step's masks and constants are set once per plane (the 28- and 32-wide
    /// planes of HW1's first layers are one step a row; per row, the setup cost as much as the pooling).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TwoByTwoPlaneAvx512(float* x, int width, int rows, int outputs, int baseIndex, float* y, int* argmax, byte* masks)
    {
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = evens + Vector512<int>.One;
        var right = Vector512<int>.One;
        var below = Vector512.Create(width);
        var belowRight = Vector512.Create(width + 1);
        for (int ow = 0; ow < outputs; ow += 16)
        {
            int count = Math.Min(16, outputs - ow), c = 2 * ow;
            // 2·count values a row: the first vector's first min(2·count, 16) lanes, the second's rest.
            var loMask = Avx512F.LoadVector512(masks + 64 - Math.Min(2 * count, 16) * 4).AsSingle();
            var hiMask = Avx512F.LoadVector512(masks + 64 - Math.Max(2 * count - 16, 0) * 4).AsSingle();
            var storeMask = Avx512F.LoadVector512(masks + 64 - count * 4);
            var columns = Vector512.Create(baseIndex + c) + evens;
            for (int oh = 0; oh < rows; oh++)
            {
                float* r0 = x + (long)2 * oh * width + c, r1 = r0 + width;
                var lo0 = Avx512F.MaskLoad(r0, loMask, Vector512<float>.Zero); var hi0 = Avx512F.MaskLoad(r0 + 16, hiMask, Vector512<float>.Zero);
                var lo1 = Avx512F.MaskLoad(r1, loMask, Vector512<float>.Zero); var hi1 = Avx512F.MaskLoad(r1 + 16, hiMask, Vector512<float>.Zero);
                var topLeft = Avx512F.PermuteVar16x32x2(lo0, evens, hi0);
                var topRight = Avx512F.PermuteVar16x32x2(lo0, odds, hi0);
                var bottomLeft = Avx512F.PermuteVar16x32x2(lo1, evens, hi1);
                var bottomRight = Avx512F.PermuteVar16x32x2(lo1, odds, hi1);

                var best = topLeft;
                var offset = Vector512<int>.Zero;
                var wins = Avx512F.CompareGreaterThan(topRight, best) | Avx512F.CompareUnordered(topRight, topRight);
                best = Vector512.ConditionalSelect(wins, topRight, best); offset = Vector512.ConditionalSelect(wins.AsInt32(), right, offset);
                wins = Avx512F.CompareGreaterThan(bottomLeft, best) | Avx512F.CompareUnordered(bottomLeft, bottomLeft);
                best = Vector512.ConditionalSelect(wins, bottomLeft, best); offset = Vector512.ConditionalSelect(wins.AsInt32(), below, offset);
                wins = Avx512F.CompareGreaterThan(bottomRight, best) | Avx512F.CompareUnordered(bottomRight, bottomRight);
                best = Vector512.ConditionalSelect(wins, bottomRight, best); offset = Vector512.ConditionalSelect(wins.AsInt32(), belowRight, offset);

                long o = (long)oh * outputs + ow;
                Avx512F.MaskStore(y + o, storeMask.AsSingle(), best);
                Avx512F.MaskStore(argmax + o, storeMask.AsInt32(), columns + Vector512.Create(2 * oh * width) + offset);
            }
        }
    }

    /// <summary>
    /// Eight 2x2 windows per step (then four, if that many remain): the two input rows' 16 values are split into even and odd columns, the
    /// four candidates compared in scan order by the scalar loop's rule (<see cref="Wins{T}"/>: strictly greater,
    /// or NaN), and the winner's flat index built from which candidate won. Returns how many outputs were done; the caller finishes the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int TwoByTwoRowAvx2(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int outputs, int width, int rowIndex, Span<float> y, Span<int> argmax)
    {
        ref float a0 = ref MemoryMarshal.GetReference(r0);
        ref float a1 = ref MemoryMarshal.GetReference(r1);
        ref float yo = ref MemoryMarshal.GetReference(y);
        ref int io = ref MemoryMarshal.GetReference(argmax);
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var right = Vector256.Create(1);
        var below = Vector256.Create(width);
        var belowRight = Vector256.Create(width + 1);
        int ow = 0;
        for (; ow + 8 <= outputs; ow += 8)
        {
            int c = 2 * ow;
            var lo0 = Vector256.LoadUnsafe(ref a0, (nuint)c); var hi0 = Vector256.LoadUnsafe(ref a0, (nuint)(c + 8));
            var lo1 = Vector256.LoadUnsafe(ref a1, (nuint)c); var hi1 = Vector256.LoadUnsafe(ref a1, (nuint)(c + 8));
            // shuffle_ps picks evens (0x88) or odds (0xDD) within 128-bit lanes; permute4x64 (0xD8) restores column order.
            var topLeft = Avx2.Permute4x64(Avx.Shuffle(lo0, hi0, 0x88).AsDouble(), 0xD8).AsSingle();
            var topRight = Avx2.Permute4x64(Avx.Shuffle(lo0, hi0, 0xDD).AsDouble(), 0xD8).AsSingle();
            var bottomLeft = Avx2.Permute4x64(Avx.Shuffle(lo1, hi1, 0x88).AsDouble(), 0xD8).AsSingle();
            var bottomRight = Avx2.Permute4x64(Avx.Shuffle(lo1, hi1, 0xDD).AsDouble(), 0xD8).AsSingle();

            var best = topLeft;
            var offset = Vector256<int>.Zero;
            var wins = Avx.Or(Avx.CompareGreaterThan(topRight, best), Avx.CompareUnordered(topRight, topRight));
            best = Avx.BlendVariable(best, topRight, wins); offset = Avx2.BlendVariable(offset, right, wins.AsInt32());
            wins = Avx.Or(Avx.CompareGreaterThan(bottomLeft, best), Avx.CompareUnordered(bottomLeft, bottomLeft));
            best = Avx.BlendVariable(best, bottomLeft, wins); offset = Avx2.BlendVariable(offset, below, wins.AsInt32());
            wins = Avx.Or(Avx.CompareGreaterThan(bottomRight, best), Avx.CompareUnordered(bottomRight, bottomRight));
            best = Avx.BlendVariable(best, bottomRight, wins); offset = Avx2.BlendVariable(offset, belowRight, wins.AsInt32());

            best.StoreUnsafe(ref yo, (nuint)ow);
            (Vector256.Create(rowIndex + c) + lane2 + offset).StoreUnsafe(ref io, (nuint)ow);
        }
        if (ow + 4 <= outputs)
        {
            // Four windows from one 8-float load per row (8x8 planes have only four per row): the same
            // comparisons on 128-bit vectors. Before this, such rows went through the branching scalar loop,
            // which took as long for HW1's 8x8 pool as the vector path for the 32x32 one, four times the data.
            int c = 2 * ow;
            var row0 = Vector256.LoadUnsafe(ref a0, (nuint)c); var row1 = Vector256.LoadUnsafe(ref a1, (nuint)c);
            var topLeft = Sse.Shuffle(row0.GetLower(), row0.GetUpper(), 0x88); var topRight = Sse.Shuffle(row0.GetLower(), row0.GetUpper(), 0xDD);
            var bottomLeft = Sse.Shuffle(row1.GetLower(), row1.GetUpper(), 0x88); var bottomRight = Sse.Shuffle(row1.GetLower(), row1.GetUpper(), 0xDD);
            var best = topLeft;
            var offset = Vector128<int>.Zero;
            var wins = Sse.Or(Sse.CompareGreaterThan(topRight, best), Sse.CompareUnordered(topRight, topRight));
            best = Sse41.BlendVariable(best, topRight, wins); offset = Sse41.BlendVariable(offset, right.GetLower(), wins.AsInt32());
            wins = Sse.Or(Sse.CompareGreaterThan(bottomLeft, best), Sse.CompareUnordered(bottomLeft, bottomLeft));
            best = Sse41.BlendVariable(best, bottomLeft, wins); offset = Sse41.BlendVariable(offset, below.GetLower(), wins.AsInt32());
            wins = Sse.Or(Sse.CompareGreaterThan(bottomRight, best), Sse.CompareUnordered(bottomRight, bottomRight));
            best = Sse41.BlendVariable(best, bottomRight, wins); offset = Sse41.BlendVariable(offset, belowRight.GetLower(), wins.AsInt32());
            best.StoreUnsafe(ref yo, (nuint)ow);
            (Vector128.Create(rowIndex + c) + lane2.GetLower() + offset).StoreUnsafe(ref io, (nuint)ow);
            ow += 4;
        }
        return ow;
    }

    /// <summary>
    /// The pooling backward: dx is zero except dx.flat[argmax[o]] += dy[o]. Planes are independent (each
    /// output's argmax lies in its own plane), so they are split over the worker pool, and each plane is
    /// cleared and then scattered into while it is in cache (no branches on which element won: the winner
    /// is data-dependent, and per-element comparisons mispredicted half the time, at twice the cost).
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> dy, ReadOnlySpan<int> argmax, ConvGeometry g, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int planes = g.N * g.C, inPlane = g.H * g.W, outPlane = g.OH * g.OW;
        if (dy.Length != planes * outPlane || argmax.Length < dy.Length || dx.Length != planes * inPlane)
            throw new ArgumentException($"MaxPool2D backward: {dy.Length} gradients, {argmax.Length} indices and {dx.Length} inputs do not fit geometry {g}.");
        unsafe
        {
            fixed (T* pdy = dy, pdx = dx)
            fixed (int* parg = argmax)
            {
                nint dyp = (nint)pdy, dxp = (nint)pdx, argp = (nint)parg;
                WorkerPool.For(planes, (p0, p1) => BackwardPlanes((T*)dyp, (int*)argp, (T*)dxp, inPlane, outPlane, p0, p1));
            }
        }
    }

    // A static method with everything in locals: in a lambda, the stores through pointers could alias the
    // closure's fields, and the JIT would reload the sizes after every store.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void BackwardPlanes<T>(T* dy, int* argmax, T* dx, int inPlane, int outPlane, int firstPlane, int endPlane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int plane = firstPlane; plane < endPlane; plane++)
        {
            new Span<T>(dx + plane * inPlane, inPlane).Clear();
            for (int o = plane * outPlane, end = o + outPlane; o < end; o++) dx[argmax[o]] += dy[o];
        }
    }
}
