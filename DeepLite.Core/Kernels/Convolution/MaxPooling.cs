using System.Numerics;

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
            Planes(x.AsSpan(offset, planes * g.H * g.W), g, y, argmax, p0, p1);
        });
    }

    private static void Planes<T>(ReadOnlySpan<T> x, ConvGeometry g, Span<T> y, Span<int> argmax, int firstPlane, int endPlane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int plane = firstPlane; plane < endPlane; plane++)
        {
            var src = x.Slice(plane * g.H * g.W, g.H * g.W);
            int baseIndex = plane * g.H * g.W;
            if (g.KH == 2 && g.KW == 2 && g.SH == 2 && g.SW == 2 && g.PadTop == 0 && g.PadLeft == 0)
            {
                // The hot case: 2x2 windows with stride 2, unpadded.
                for (int oh = 0; oh < g.OH; oh++)
                {
                    var r0 = src.Slice(2 * oh * g.W, g.W);
                    var r1 = src.Slice((2 * oh + 1) * g.W, g.W);
                    int o = (plane * g.OH + oh) * g.OW;
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        int c = 2 * ow;
                        T best = r0[c]; int at = 2 * oh * g.W + c;
                        if (r0[c + 1] > best) { best = r0[c + 1]; at = 2 * oh * g.W + c + 1; }
                        if (r1[c] > best) { best = r1[c]; at = (2 * oh + 1) * g.W + c; }
                        if (r1[c + 1] > best) { best = r1[c + 1]; at = (2 * oh + 1) * g.W + c + 1; }
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
                            if (at < 0 || v > best) { best = v; at = ih * g.W + iw; }
                        }
                    }
                    int o = (plane * g.OH + oh) * g.OW + ow;
                    y[o] = best; argmax[o] = baseIndex + at;
                }
        }
    }
}
