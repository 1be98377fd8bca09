using System.Numerics;
using System.Runtime.Intrinsics;
using DeepLite.Kernels.Gemm;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The weight gradient of a thin convolution (few input channels, stride 1) without im2col:
/// dW[f, c, i, j] = Σ_n Σ_(oh, ow) dY[n, f, oh, ow] · X_pad[n, c, oh + i, ow + j]. The im2col route turns
/// this into a GEMM whose N is C·KH·KW (9 or 27), a shape the 8x48 micro-kernel fills a fifth of, after
/// copying the input nine times over; here each sample is zero-padded once, each dY plane copied once
/// into rows padded to whole vectors, and four filters by three kernel columns accumulate in registers.
/// Samples go in fixed chunks whose partial sums are added in chunk order, so the result is the same
/// for any thread count.
/// </summary>
internal static class DirectWeightGradient
{
    private const int SamplesPerChunk = 4;

    /// <summary>
    /// dW into <paramref name="gw"/>, and with <paramref name="gb"/> the bias gradient too (dY summed over
    /// samples and positions), from the same pass over dY: it is the layer's largest tensor (67 MB for
    /// 3->64 at 32x32, batch 256), and summing it separately read it a second time. The AVX2 form; with AVX-512
    /// <see cref="ConvPlan"/> takes the outer-product kernel (<see cref="OuterProductWeightGradient"/>) instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Compute<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw, T[]? gb = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count;
        int rowLength = (g.OW + v - 1) / v * v;                      // dY rows padded to whole vectors
        int ph = g.OH + g.KH - 1, pw = rowLength + g.KW + 2 + v;    // X_pad wide enough for every shifted load (groups of 3 shifts)
        int blocks = (g.F + 3) / 4, chunks = (g.N + SamplesPerChunk - 1) / SamplesPerChunk, size = g.F * g.PatchSize;
        int stride = size + (gb is null ? 0 : g.F);                  // a chunk's partial sums: dW, then db
        var partials = Workspace<T>.Get(WorkspaceSlot.PartialSums, chunks * stride);
        WorkerPool.For(chunks, (c0, c1) =>
        {
            var paddedX = Workspace<T>.Get(WorkspaceSlot.PaddedInput, g.C * ph * pw);
            var paddedG = Workspace<T>.Get(WorkspaceSlot.PaddedGradient, 4 * g.OH * rowLength);
            // Lanes past OW must read zero; the copies below never write them, so clearing once per call
            // suffices (rows of absent filters in the last block hold stale rows, read only by
            // accumulators that are never stored).
            Elementwise.Zero(paddedG.AsSpan(0, 4 * g.OH * rowLength));
            for (int chunk = c0; chunk < c1; chunk++)
            {
                var part = partials.AsSpan(chunk * stride, stride);
                Elementwise.Zero(part);
                for (int n = chunk * SamplesPerChunk; n < Math.Min(g.N, (chunk + 1) * SamplesPerChunk); n++)
                {
                    DirectConvolution.Pad(x, xOffset + n * g.C * g.H * g.W, g, paddedX, ph, pw);
                    for (int block = 0; block < blocks; block++)
                    {
                        int f0 = block * 4, filters = Math.Min(4, g.F - f0);
                        for (int q = 0; q < filters; q++)
                        {
                            int plane = gyOffset + (n * g.F + f0 + q) * g.OH * g.OW;
                            // The plane's sum while it is in cache (one call per plane; per row, the calls cost more than the sums).
                            if (gb is not null) part[size + f0 + q] += Elementwise.Sum<T>(gy.AsSpan(plane, g.OH * g.OW));
                            for (int oh = 0; oh < g.OH; oh++)
                                gy.AsSpan(plane + oh * g.OW, g.OW).CopyTo(paddedG.AsSpan((q * g.OH + oh) * rowLength, g.OW));
                        }
                        fixed (T* px = paddedX) fixed (T* pg = paddedG) fixed (T* pp = part)
                            Accumulate(px, pg, g, ph, pw, rowLength, f0, filters, pp);
                    }
                }
            }
        });
        // Chunk partial sums in a fixed order.
        for (int k = 0; k < stride; k++)
        {
            T sum = partials[k];
            for (int chunk = 1; chunk < chunks; chunk++) sum += partials[chunk * stride + k];
            if (k < size) gw[k] = sum;
            else gb![k - size] = sum;
        }
    }

    /// <summary>
    /// Adds one sample's contribution for four filters. Per step, one vector of dY for each filter and the
    /// input row at three horizontal shifts feed twelve accumulators (filters x shifts): 7 loads for 12 FMAs,
    /// where one accumulator per (filter, shift) pair would need 2 loads per FMA. Kernel widths other than 3
    /// go in groups of up to three shifts; a group's unused shifts read the zero padding and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Accumulate<T>(T* x, T* gy, ConvGeometry g, int ph, int pw, int rowLength, int f0, int filters, T* part)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count, plane = g.OH * rowLength;
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j0 = 0; j0 < g.KW; j0 += 3)
                {
                    var a00 = Vector256<T>.Zero; var a01 = a00; var a02 = a00;
                    var a10 = a00; var a11 = a00; var a12 = a00;
                    var a20 = a00; var a21 = a00; var a22 = a00;
                    var a30 = a00; var a31 = a00; var a32 = a00;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        T* xr = x + ((long)c * ph + oh + i) * pw + j0;
                        T* g0 = gy + oh * rowLength;
                        for (int ow = 0; ow < rowLength; ow += v)
                        {
                            var x0 = Vector256.Load(xr + ow); var x1 = Vector256.Load(xr + ow + 1); var x2 = Vector256.Load(xr + ow + 2);
                            var d = Vector256.Load(g0 + ow);
                            a00 = Simd.Fma(d, x0, a00); a01 = Simd.Fma(d, x1, a01); a02 = Simd.Fma(d, x2, a02);
                            d = Vector256.Load(g0 + plane + ow);
                            a10 = Simd.Fma(d, x0, a10); a11 = Simd.Fma(d, x1, a11); a12 = Simd.Fma(d, x2, a12);
                            d = Vector256.Load(g0 + 2 * plane + ow);
                            a20 = Simd.Fma(d, x0, a20); a21 = Simd.Fma(d, x1, a21); a22 = Simd.Fma(d, x2, a22);
                            d = Vector256.Load(g0 + 3 * plane + ow);
                            a30 = Simd.Fma(d, x0, a30); a31 = Simd.Fma(d, x1, a31); a32 = Simd.Fma(d, x2, a32);
                        }
                    }
                    // Reduce to scalars before any call: vectors live across a call are spilled by the JIT at
                    // every definition, that is, on every step of the loop above.
                    T s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s02 = Vector256.Sum(a02);
                    T s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11), s12 = Vector256.Sum(a12);
                    T s20 = Vector256.Sum(a20), s21 = Vector256.Sum(a21), s22 = Vector256.Sum(a22);
                    T s30 = Vector256.Sum(a30), s31 = Vector256.Sum(a31), s32 = Vector256.Sum(a32);
                    int shifts = Math.Min(3, g.KW - j0), k = (c * g.KH + i) * g.KW + j0;
                    Add(part + (long)f0 * g.PatchSize + k, shifts, s00, s01, s02);
                    if (filters > 1) Add(part + (long)(f0 + 1) * g.PatchSize + k, shifts, s10, s11, s12);
                    if (filters > 2) Add(part + (long)(f0 + 2) * g.PatchSize + k, shifts, s20, s21, s22);
                    if (filters > 3) Add(part + (long)(f0 + 3) * g.PatchSize + k, shifts, s30, s31, s32);
                }
    }

    private static unsafe void Add<T>(T* row, int shifts, T s0, T s1, T s2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        row[0] += s0;
        if (shifts > 1) row[1] += s1;
        if (shifts > 2) row[2] += s2;
    }
}
