using System.Numerics;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// Average pooling over NCHW windows (PyTorch's <c>avg_pool2d</c> with count_include_pad=True: a window's padded
/// positions count as zeros in its mean). The backward pass spreads each output gradient evenly over its window; the
/// two are each other's adjoints. Planes (sample, channel) are split over the worker pool.
/// </summary>
internal static class AveragePooling
{
    /// <summary>y[plane, oh, ow] = the mean of the window at (oh, ow), every element of <paramref name="y"/> written.</summary>
    public static void Forward<T>(T[] x, int offset, ConvGeometry g, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.One / T.CreateChecked(g.KH * g.KW);
        WorkerPool.For(g.N * g.C, (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                var src = x.AsSpan(offset + plane * g.H * g.W, g.H * g.W);
                var dst = y.AsSpan(plane * g.P, g.P);
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        T sum = T.Zero;
                        int h0 = oh * g.SH - g.PadTop, w0 = ow * g.SW - g.PadLeft;
                        for (int i = Math.Max(0, -h0); i < g.KH && h0 + i < g.H; i++)
                            for (int j = Math.Max(0, -w0); j < g.KW && w0 + j < g.W; j++)
                                sum += src[(h0 + i) * g.W + w0 + j];
                        dst[oh * g.OW + ow] = sum * scale;
                    }
            }
        });
    }

    /// <summary>dx = the adjoint of <see cref="Forward{T}"/> applied to dy: each output's gradient over its window, divided by the window's size.</summary>
    public static void Backward<T>(T[] dy, int offset, ConvGeometry g, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.One / T.CreateChecked(g.KH * g.KW);
        WorkerPool.For(g.N * g.C, (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                var src = dy.AsSpan(offset + plane * g.P, g.P);
                var dst = dx.AsSpan(plane * g.H * g.W, g.H * g.W);
                dst.Clear();
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        T share = src[oh * g.OW + ow] * scale;
                        int h0 = oh * g.SH - g.PadTop, w0 = ow * g.SW - g.PadLeft;
                        for (int i = Math.Max(0, -h0); i < g.KH && h0 + i < g.H; i++)
                            for (int j = Math.Max(0, -w0); j < g.KW && w0 + j < g.W; j++)
                                dst[(h0 + i) * g.W + w0 + j] += share;
                    }
            }
        });
    }
}
