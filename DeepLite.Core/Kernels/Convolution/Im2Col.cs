using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// Unfolds input windows into columns: col[(c*KH + i)*KW + j, n*P + oh*OW + ow] = x[n, c, oh*SH + i*DH - pad, ow*SW + j*DW - pad]
/// (zero outside the input), so a convolution of the whole batch is one matrix product. Col2Im is the adjoint
/// (sums the columns back). Both run samples in parallel; each sample writes its own region.
/// </summary>
internal static class Im2Col
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold<T>(T[] x, int xOffset, ConvGeometry g, T[] col) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++) UnfoldSample(x.AsSpan(xOffset + n * g.C * g.H * g.W, g.C * g.H * g.W), g, col.AsSpan(), np, n * g.OutputPixels);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnfoldSample<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> col, int ld, int column0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    var row = col.Slice(((c * g.KH + i) * g.KW + j) * ld + column0, g.OutputPixels);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        var dst = row.Slice(oh * g.OW, g.OW);
                        int ih = oh * g.SH + i * g.DH - g.PadTop;
                        if ((uint)ih >= (uint)g.H) { dst.Clear(); continue; }
                        var src = x.Slice((c * g.H + ih) * g.W, g.W);
                        int shift = j * g.DW - g.PadLeft;
                        if (g.SW == 1)
                        {
                            // Valid output columns are those with 0 <= ow + shift < W.
                            int lo = Math.Clamp(-shift, 0, g.OW), hi = Math.Clamp(g.W - shift, lo, g.OW);
                            dst[..lo].Clear();
                            src.Slice(lo + shift, hi - lo).CopyTo(dst[lo..hi]);
                            dst[hi..].Clear();
                        }
                        else
                        {
                            for (int ow = 0; ow < g.OW; ow++)
                            {
                                int iw = ow * g.SW + shift;
                                dst[ow] = (uint)iw < (uint)g.W ? src[iw] : T.Zero;
                            }
                        }
                    }
                }
    }

    /// <summary>x (zeroed first) = the adjoint of <see cref="Unfold{T}"/> applied to col.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold<T>(T[] col, ConvGeometry g, T[] x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++) FoldSample(col, np, n * g.OutputPixels, g, x.AsSpan(n * g.C * g.H * g.W, g.C * g.H * g.W));
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldSample<T>(T[] col, int ld, int column0, ConvGeometry g, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        x.Clear();
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    var row = col.AsSpan(((c * g.KH + i) * g.KW + j) * ld + column0, g.OutputPixels);
                    for (int oh = 0; oh < g.OH; oh++)
                    {
                        int ih = oh * g.SH + i * g.DH - g.PadTop;
                        if ((uint)ih >= (uint)g.H) continue;
                        var dst = x.Slice((c * g.H + ih) * g.W, g.W);
                        var src = row.Slice(oh * g.OW, g.OW);
                        int shift = j * g.DW - g.PadLeft;
                        if (g.SW == 1)
                        {
                            int lo = Math.Clamp(-shift, 0, g.OW), hi = Math.Clamp(g.W - shift, lo, g.OW);
                            var d = dst.Slice(lo + shift, hi - lo);
                            Elementwise.Map<T, AddOperator<T>>(d, src[lo..hi], d);
                        }
                        else
                        {
                            for (int ow = 0; ow < g.OW; ow++)
                            {
                                int iw = ow * g.SW + shift;
                                if ((uint)iw < (uint)g.W) dst[iw] += src[ow];
                            }
                        }
                    }
                }
    }
}
