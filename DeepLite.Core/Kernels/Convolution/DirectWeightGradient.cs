using System.Numerics;
using System.Runtime.Intrinsics;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The weight gradient of a thin convolution (few input channels, stride 1) without im2col:
/// dW[f, c, i, j] = Σ_n Σ_(oh, ow) dY[n, f, oh, ow] · X_pad[n, c, oh + i, ow + j]. The im2col route turns
/// this into a GEMM whose N is C·KH·KW (9 or 27), a shape the 8x48 micro-kernel fills a fifth of, after
/// copying the input nine times over; here each sample is zero-padded once, each dY plane copied once
/// into rows padded to whole vectors, and four filters by two vectors of a row accumulate in registers.
/// Samples go in fixed chunks whose partial sums are added in chunk order, so the result is the same
/// for any thread count.
/// </summary>
internal static class DirectWeightGradient
{
    private const int SamplesPerChunk = 4;

    /// <summary>Thin layers only: for wide ones the GEMM is efficient and this loop would not be.</summary>
    public static bool Supports(ConvGeometry g) => DirectConvolution.Supports(g) && g.Ckk <= 64;

    public static unsafe void Compute<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count;
        int rowLength = (g.OW + 2 * v - 1) / (2 * v) * (2 * v);   // dY rows padded to whole pairs of vectors
        int ph = g.OH + g.KH - 1, pw = rowLength + g.KW - 1 + v;    // X_pad wide enough for every shifted load
        int blocks = (g.F + 3) / 4, chunks = (g.N + SamplesPerChunk - 1) / SamplesPerChunk, size = g.F * g.Ckk;
        var partials = Workspace<T>.Get(Workspace<T>.PartialSumsSlot, chunks * size);
        WorkerPool.For(chunks, (c0, c1) =>
        {
            var paddedX = Workspace<T>.Get(Workspace<T>.PaddedInputSlot, g.C * ph * pw);
            var paddedG = Workspace<T>.Get(Workspace<T>.PaddedGradientSlot, 4 * g.OH * rowLength);
            for (int chunk = c0; chunk < c1; chunk++)
            {
                var part = partials.AsSpan(chunk * size, size);
                part.Clear();
                for (int n = chunk * SamplesPerChunk; n < Math.Min(g.N, (chunk + 1) * SamplesPerChunk); n++)
                {
                    DirectConvolution.Pad(x, xOffset + n * g.C * g.H * g.W, g, paddedX, ph, pw);
                    for (int block = 0; block < blocks; block++)
                    {
                        int f0 = block * 4, filters = Math.Min(4, g.F - f0);
                        Array.Clear(paddedG, 0, 4 * g.OH * rowLength); // rows past the filters and lanes past OW stay zero
                        for (int q = 0; q < filters; q++)
                            for (int oh = 0; oh < g.OH; oh++)
                                gy.AsSpan(gyOffset + ((n * g.F + f0 + q) * g.OH + oh) * g.OW, g.OW).CopyTo(paddedG.AsSpan((q * g.OH + oh) * rowLength, g.OW));
                        fixed (T* px = paddedX) fixed (T* pg = paddedG) fixed (T* pp = part)
                            Accumulate(px, pg, g, ph, pw, rowLength, f0, filters, pp);
                    }
                }
            }
        });
        // Chunk partial sums in a fixed order.
        for (int k = 0; k < size; k++)
        {
            T sum = partials[k];
            for (int chunk = 1; chunk < chunks; chunk++) sum += partials[chunk * size + k];
            gw[k] = sum;
        }
    }

    private static unsafe void Accumulate<T>(T* x, T* gy, ConvGeometry g, int ph, int pw, int rowLength, int f0, int filters, T* part)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count, plane = g.OH * rowLength;
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    var a00 = Vector256<T>.Zero; var a01 = a00; var a10 = a00; var a11 = a00;
                    var a20 = a00; var a21 = a00; var a30 = a00; var a31 = a00;
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        T* xr = x + ((long)c * ph + oh + i) * pw + j;
                        T* g0 = gy + oh * rowLength;
                        for (int ow = 0; ow < rowLength; ow += 2 * v)
                        {
                            var x0 = Vector256.Load(xr + ow); var x1 = Vector256.Load(xr + ow + v);
                            a00 = Simd.Fma(Vector256.Load(g0 + ow), x0, a00); a01 = Simd.Fma(Vector256.Load(g0 + ow + v), x1, a01);
                            a10 = Simd.Fma(Vector256.Load(g0 + plane + ow), x0, a10); a11 = Simd.Fma(Vector256.Load(g0 + plane + ow + v), x1, a11);
                            a20 = Simd.Fma(Vector256.Load(g0 + 2 * plane + ow), x0, a20); a21 = Simd.Fma(Vector256.Load(g0 + 2 * plane + ow + v), x1, a21);
                            a30 = Simd.Fma(Vector256.Load(g0 + 3 * plane + ow), x0, a30); a31 = Simd.Fma(Vector256.Load(g0 + 3 * plane + ow + v), x1, a31);
                        }
                    }
                    int k = (c * g.KH + i) * g.KW + j;
                    part[(long)f0 * g.Ckk + k] += Vector256.Sum(a00 + a01);
                    if (filters > 1) part[(long)(f0 + 1) * g.Ckk + k] += Vector256.Sum(a10 + a11);
                    if (filters > 2) part[(long)(f0 + 2) * g.Ckk + k] += Vector256.Sum(a20 + a21);
                    if (filters > 3) part[(long)(f0 + 3) * g.Ckk + k] += Vector256.Sum(a30 + a31);
                }
    }
}
