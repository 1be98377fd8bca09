namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The sizes of one 2-D convolution or pooling (NCHW) with its padding resolved: N samples of C x H x W, F filters
/// of C x KH x KW, strides SH x SW, PadTop/PadLeft zeros before the first row/column, an OH x OW output, and the
/// dilation DH x DW (kernel tap (i, j) reads input row oh·SH + i·DH - PadTop, column ow·SW + j·DW - PadLeft). Made and
/// validated from tensor shapes by the ops (<c>ConvShapes.Geometry</c>); the kernels trust it.
/// </summary>
internal readonly record struct ConvGeometry(
    int N, int C, int H, int W, int F, int KH, int KW, int SH, int SW, int PadTop, int PadLeft, int OH, int OW, int DH = 1, int DW = 1)
{
    /// <summary>Whether the kernel taps are spread (dilation above 1): only the im2col kernels take such a geometry.</summary>
    public bool IsDilated => DH != 1 || DW != 1;
    /// <summary>Output positions per plane (OH·OW): the columns of a sample's im2col matrix.</summary>
    public int OutputPixels => OH * OW;
    /// <summary>Weights per filter (C·KH·KW): the length of one unfolded window, the rows of the im2col matrix.</summary>
    public int PatchSize => C * KH * KW;
}
