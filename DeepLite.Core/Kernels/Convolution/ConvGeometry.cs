using DeepLite.Tensors;

namespace DeepLite.Kernels.Convolution;

/// <summary>The sizes of one 2-D convolution or pooling (NCHW), validated, with padding resolved.</summary>
internal readonly record struct ConvGeometry(
    int N, int C, int H, int W, int F, int KH, int KW, int SH, int SW, int PadTop, int PadLeft, int OH, int OW)
{
    public int P => OH * OW;
    public int Ckk => C * KH * KW;

    public static ConvGeometry Create(string op, Shape input, int filters, int kernelC, int kh, int kw, int sh, int sw, Padding padding)
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

    public Shape OutputShape => new(N, F, OH, OW);
    public Shape InputShape => new(N, C, H, W);
    public Shape KernelShape => new(F, C, KH, KW);
}
