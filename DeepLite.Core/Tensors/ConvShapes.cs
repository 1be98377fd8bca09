using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

/// <summary>
/// Between tensors and the convolution kernels: a validated <see cref="ConvGeometry"/> from an input shape, window
/// and padding (errors name the op and the shapes), and the shapes of a geometry's tensors.
/// </summary>
internal static class ConvShapes
{
    /// <summary>
    /// The geometry of a window of <paramref name="kh"/> x <paramref name="kw"/> over <paramref name="input"/> [N, C, H, W],
    /// taps <paramref name="dh"/> x <paramref name="dw"/> apart. With <paramref name="ceilMode"/> (PyTorch's pooling
    /// <c>ceil_mode=True</c>) the output size rounds up, as long as the last window starts inside the input or its
    /// top/left padding: the overhang is more bottom/right padding (which never wins a max pool).
    /// </summary>
    public static ConvGeometry Geometry(string op, Shape input, int filters, int kernelC, int kh, int kw, int sh, int sw, Padding padding,
        int dh = 1, int dw = 1, bool ceilMode = false)
    {
        if (input.Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got shape {input}.");
        int n = input[0], c = input[1], h = input[2], w = input[3];
        if (kernelC != c) throw new ArgumentException($"{op}: the kernel expects {kernelC} input channels, the input of shape {input} has {c}.");
        if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
            throw new ArgumentException($"{op}: kernel {kh}x{kw}, stride {sh}x{sw} and dilation {dh}x{dw} must be positive.");
        // The extent of a dilated window: (k - 1)·d + 1 input positions.
        int eh = (kh - 1) * dh + 1, ew = (kw - 1) * dw + 1;
        var (t, b, l, r) = padding.Resolve(h, w, eh, ew, sh, sw);
        if (h + t + b < eh || w + l + r < ew)
            throw new ArgumentException($"{op}: a {kh}x{kw} window{(dh * dw > 1 ? $" dilated {dh}x{dw}" : "")} does not fit the input of shape {input} with padding {padding}.");
        int oh = Output(h, t, b, eh, sh, ceilMode), ow = Output(w, l, r, ew, sw, ceilMode);
        return new ConvGeometry(n, c, h, w, filters, kh, kw, sh, sw, t, l, oh, ow, dh, dw);

        static int Output(int size, int before, int after, int extent, int stride, bool ceil)
        {
            int span = size + before + after - extent;
            if (!ceil) return span / stride + 1;
            int output = (span + stride - 1) / stride + 1;
            // PyTorch: the last window must start inside the input or the padding before it.
            if ((output - 1) * stride >= size + before) output--;
            return output;
        }
    }

    /// <summary>[N, F, OH, OW].</summary>
    public static Shape OutputShape(this ConvGeometry g) => new(g.N, g.F, g.OH, g.OW);
    /// <summary>[N, C, H, W].</summary>
    public static Shape InputShape(this ConvGeometry g) => new(g.N, g.C, g.H, g.W);
    /// <summary>[F, C, KH, KW].</summary>
    public static Shape KernelShape(this ConvGeometry g) => new(g.F, g.C, g.KH, g.KW);
}
