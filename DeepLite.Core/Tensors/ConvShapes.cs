using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

/// <summary>
/// Between tensors and the convolution kernels: a validated <see cref="ConvGeometry"/> from an input shape, window
/// and padding (errors name the op and the shapes), and the shapes of a geometry's tensors.
/// </summary>
internal static class ConvShapes
{
    /// <summary>The geometry of a window of <paramref name="kh"/> x <paramref name="kw"/> over <paramref name="input"/> [N, C, H, W].</summary>
    public static ConvGeometry Geometry(string op, Shape input, int filters, int kernelC, int kh, int kw, int sh, int sw, Padding padding)
    {
        if (input.Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got shape {input}.");
        int n = input[0], c = input[1], h = input[2], w = input[3];
        if (kernelC != c) throw new ArgumentException($"{op}: the kernel expects {kernelC} input channels, the input of shape {input} has {c}.");
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0) throw new ArgumentException($"{op}: kernel {kh}x{kw} and stride {sh}x{sw} must be positive.");
        var (t, b, l, r) = padding.Resolve(h, w, kh, kw, sh, sw);
        int oh = (h + t + b - kh) / sh + 1, ow = (w + l + r - kw) / sw + 1;
        if (h + t + b < kh || w + l + r < kw || oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: a {kh}x{kw} window does not fit the input of shape {input} with padding {padding}.");
        return new ConvGeometry(n, c, h, w, filters, kh, kw, sh, sw, t, l, oh, ow);
    }

    /// <summary>[N, F, OH, OW].</summary>
    public static Shape OutputShape(this ConvGeometry g) => new(g.N, g.F, g.OH, g.OW);
    /// <summary>[N, C, H, W].</summary>
    public static Shape InputShape(this ConvGeometry g) => new(g.N, g.C, g.H, g.W);
    /// <summary>[F, C, KH, KW].</summary>
    public static Shape KernelShape(this ConvGeometry g) => new(g.F, g.C, g.KH, g.KW);
}
