using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// Average pooling over NCHW windows (PyTorch's <c>avg_pool2d</c>): each window's sum times its output position's
/// scale, one over the count the op chose (the window with its padding, or its input elements only). The backward
/// pass spreads each output gradient over its window by the same scale; the two are each other's adjoints. Planes
/// (sample, channel) are split over the worker pool.
/// </summary>
internal static class AveragePooling
{
    /// <summary>y[plane, oh, ow] = the mean of the window at (oh, ow), every element of <paramref name="y"/> written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(T[] x, int offset, ConvGeometry g, T[] scales, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        WorkerPool.For(g.N * g.C, (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                var src = x.AsSpan(offset + plane * g.H * g.W, g.H * g.W);
                var dst = y.AsSpan(plane * g.OutputPixels, g.OutputPixels);
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        T sum = T.Zero;
                        int h0 = oh * g.SH - g.PadTop, w0 = ow * g.SW - g.PadLeft;
                        for (int i = Math.Max(0, -h0); i < g.KH && h0 + i < g.H; i++)
                            for (int j = Math.Max(0, -w0); j < g.KW && w0 + j < g.W; j++)
                                sum += src[(h0 + i) * g.W + w0 + j];
                        dst[oh * g.OW + ow] = sum * scales[oh * g.OW + ow];
                    }
            }
        });
    }

    /// <summary>
    /// One over each output position's divisor (PyTorch's rule): with <paramref name="countIncludePad"/> the window clipped
    /// to the padded input (bottom/right padding <paramref name="padBottom"/>, <paramref name="padRight"/>), else the
    /// window's input elements only. Without ceil mode and with the padding counted, every divisor is KH·KW.
    /// </summary>
    public static T[] Scales<T>(ConvGeometry g, int padBottom, int padRight, bool countIncludePad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scales = new T[g.OH * g.OW];
        for (int oh = 0; oh < g.OH; oh++)
            for (int ow = 0; ow < g.OW; ow++)
            {
                int h0 = oh * g.SH - g.PadTop, w0 = ow * g.SW - g.PadLeft;
                int h1 = Math.Min(h0 + g.KH, g.H + padBottom), w1 = Math.Min(w0 + g.KW, g.W + padRight);
                int count = countIncludePad
                    ? (h1 - h0) * (w1 - w0)
                    : (Math.Min(h1, g.H) - Math.Max(h0, 0)) * (Math.Min(w1, g.W) - Math.Max(w0, 0));
                scales[oh * g.OW + ow] = T.One / T.CreateChecked(Math.Max(count, 1));
            }
        return scales;
    }

    /// <summary>dx = the adjoint of <see cref="Forward{T}"/> applied to dy: each output's gradient over its window, divided by the window's size.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(T[] dy, int offset, ConvGeometry g, T[] scales, T[] dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        WorkerPool.For(g.N * g.C, (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                var src = dy.AsSpan(offset + plane * g.OutputPixels, g.OutputPixels);
                var dst = dx.AsSpan(plane * g.H * g.W, g.H * g.W);
                dst.Clear();
                for (int oh = 0; oh < g.OH; oh++)
                    for (int ow = 0; ow < g.OW; ow++)
                    {
                        T share = src[oh * g.OW + ow] * scales[oh * g.OW + ow];
                        int h0 = oh * g.SH - g.PadTop, w0 = ow * g.SW - g.PadLeft;
                        for (int i = Math.Max(0, -h0); i < g.KH && h0 + i < g.H; i++)
                            for (int j = Math.Max(0, -w0); j < g.KW && w0 + j < g.W; j++)
                                dst[(h0 + i) * g.W + w0 + j] += share;
                    }
            }
        });
    }
}
