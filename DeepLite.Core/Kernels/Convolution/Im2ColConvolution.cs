using System.Numerics;
using DeepLite.Kernels.Gemm;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The three products of a convolution through im2col: each is one GEMM over the whole batch
/// ([F, C·KH·KW] by [C·KH·KW, N·OH·OW]), so both cores work on every layer and the result does not depend on the
/// thread count. The general path, for any kernel, stride and padding.
/// </summary>
internal static class Im2ColConvolution
{
    /// <summary>
    /// y = conv(x, w) + b: unfold, one GEMM into [F, N·P], then [N, F, P] with the bias added (and, with
    /// <paramref name="relu"/>, a ReLU applied in the same pass).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(T[] x, int xOffset, T[] weights, T[]? bias, ConvGeometry g, T[] y, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        if (np == 0 || g.F == 0) return;
        var col = Workspace<T>.Get(WorkspaceSlot.Im2Col, g.PatchSize * np);
        Im2Col.Unfold(x, xOffset, g, col);
        var product = Workspace<T>.Get(WorkspaceSlot.Matrix, g.F * np);
        GemmKernel.Multiply<T>(false, false, g.F, np, g.PatchSize, weights, g.PatchSize, col, np, product, np);
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
                for (int f = 0; f < g.F; f++)
                {
                    var src = product.AsSpan(f * np + n * g.OutputPixels, g.OutputPixels);
                    var dst = y.AsSpan((n * g.F + f) * g.OutputPixels, g.OutputPixels);
                    if (relu && bias is null) Elementwise.Map<T, ReluOperator<T>>(src, dst); // no +0 added: a -0 stays -0, as relu(conv) gives
                    else if (relu) Elementwise.Map<T, AddReluOperator<T>>(src, bias![f], dst);
                    else if (bias is null) src.CopyTo(dst);
                    else Elementwise.Map<T, AddOperator<T>>(src, bias[f], dst);
                }
        });
    }

    /// <summary>dL/dx: col = wᵀ G, then folded back (col2im).</summary>
    public static void InputGradient<T>(T[] gy, int gyOffset, T[] weights, ConvGeometry g, T[] gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        if (np == 0) { Array.Clear(gx, 0, g.N * g.C * g.H * g.W); return; }
        var gMatrix = ToFilterMajor(gy, gyOffset, g);
        var dcol = Workspace<T>.Get(WorkspaceSlot.GradientColumns, g.PatchSize * np);
        GemmKernel.Multiply<T>(true, false, g.PatchSize, np, g.F, weights, g.PatchSize, gMatrix, np, dcol, np);
        Im2Col.Fold(dcol, g, gx);
    }

    /// <summary>dL/dw: G colᵀ over the whole batch.</summary>
    public static void WeightGradient<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        if (np == 0) { Array.Clear(gw, 0, g.F * g.PatchSize); return; }
        var gMatrix = ToFilterMajor(gy, gyOffset, g);
        var col = Workspace<T>.Get(WorkspaceSlot.Im2Col, g.PatchSize * np);
        Im2Col.Unfold(x, xOffset, g, col);
        GemmKernel.Multiply<T>(false, true, g.F, g.PatchSize, np, gMatrix, np, col, np, gw, g.PatchSize);
    }

    /// <summary>[N, F, P] -> [F, N·P] into the matrix workspace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T[] ToFilterMajor<T>(T[] gy, int offset, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.OutputPixels;
        var matrix = Workspace<T>.Get(WorkspaceSlot.Matrix, g.F * np);
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
                for (int f = 0; f < g.F; f++)
                    gy.AsSpan(offset + (n * g.F + f) * g.OutputPixels, g.OutputPixels).CopyTo(matrix.AsSpan(f * np + n * g.OutputPixels, g.OutputPixels));
        });
        return matrix;
    }
}
