namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The sizes of one 2-D convolution or pooling (NCHW) with its padding resolved: N samples of C x H x W, F filters
/// of C x KH x KW, strides SH x SW, PadTop/PadLeft zeros before the first row/column, an OH x OW output. Made and
/// validated from tensor shapes by the ops (<c>ConvShapes.Geometry</c>); the kernels trust it.
/// </summary>
internal readonly record struct ConvGeometry(
    int N, int C, int H, int W, int F, int KH, int KW, int SH, int SW, int PadTop, int PadLeft, int OH, int OW)
{
    /// <summary>Output positions per plane.</summary>
    public int P => OH * OW;
    /// <summary>Weights per filter.</summary>
    public int Ckk => C * KH * KW;
}
