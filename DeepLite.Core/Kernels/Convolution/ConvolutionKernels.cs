using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The three products of a convolution y = conv(x, w) + b: the forward pass, the input gradient
/// (the adjoint in x) and the weight gradient (the adjoint in w). The im2col path turns each into one
/// GEMM over the whole batch ([F, C*KH*KW] by [C*KH*KW, N*OH*OW]), so both cores work on every layer and
/// the result does not depend on the thread count.
/// </summary>
internal static class ConvolutionKernels
{
    public static ConvAlgorithm Choose(ConvGeometry g, ConvAlgorithm requested)
    {
        if (requested == ConvAlgorithm.Direct && !DirectConvolution.Supports(g))
            throw new NotSupportedException($"The direct convolution needs stride 1 and AVX2/FMA; this layer has stride {g.SH}x{g.SW}.");
        if (requested is ConvAlgorithm.Winograd or ConvAlgorithm.Winograd4x4 && !Winograd.Supports(g))
            throw new NotSupportedException($"The Winograd convolution needs a 3x3 kernel at stride 1 with padding of at most 2; this layer has {g.KH}x{g.KW} at stride {g.SH}x{g.SW}.");
        if (requested != ConvAlgorithm.Auto) return requested;
        if (DirectConvolution.Supports(g) && g.C <= 4) return ConvAlgorithm.Direct;
        return WinogradPays(g) ? ConvAlgorithm.Winograd4x4 : ConvAlgorithm.Im2ColGemm;
    }

    /// <summary>
    /// Winograd F(4x4, 3x3) for 3x3 stride-1 layers wide enough, with enough tiles over the batch that the
    /// GEMMs rather than the transforms and the weight transform dominate, and at least 8 samples (its
    /// transforms run a vector of samples at a time; fewer go one by one). Measured here, forward + both
    /// gradients: 256->480@4 with batch 32 (128 2x2-tile equivalents) 13.7 ms by im2col, 9.5 by F(4x4);
    /// 128->256@8 with batch 8 3.8 / 2.6 ms; with batch 16 at 4x4 (64) im2col's forward stays ahead, and
    /// 64->128@16 with batch 2 was 1.0 / 1.5 ms. F(4x4) against F(2x2) on the HW1 layers at batch 256
    /// (same process, best of 15): 64->128@16 127 -> 93 ms, 128->256@8 95 -> 95 ms, 256->480@4 106 -> 88 ms.
    /// </summary>
    private static bool WinogradPays(ConvGeometry g) =>
        Winograd.Supports(g) && g.C >= 16 && g.F >= 16 && g.N >= 8 && (long)g.N * ((g.OH + 1) / 2) * ((g.OW + 1) / 2) >= 128;

    public static Tensor<T> Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? b, ConvGeometry g, ConvAlgorithm algorithm) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = Tensor<T>.Uninitialized(g.OutputShape);
        if (y.Size == 0) return y;
        var weights = Contiguous(w);
        var chosen = Choose(g, algorithm);
        if (chosen == ConvAlgorithm.Direct)
        {
            DirectConvolution.Forward(x.Buffer, x.Offset, weights, b is null ? null : Contiguous(b), g, y.Buffer);
            return y;
        }
        if (chosen == ConvAlgorithm.Winograd4x4)
        {
            Winograd4x4.Forward(x.Buffer, x.Offset, weights, b is null ? null : Contiguous(b), g, y.Buffer);
            return y;
        }
        if (chosen == ConvAlgorithm.Winograd)
        {
            Winograd.Forward(x.Buffer, x.Offset, weights, b is null ? null : Contiguous(b), g, y.Buffer);
            return y;
        }
        int np = g.N * g.P;
        var col = Workspace<T>.Get(Workspace<T>.Im2ColSlot, g.Ckk * np);
        Im2Col.Unfold(x.Buffer, x.Offset, g, col);
        var product = Workspace<T>.Get(Workspace<T>.MatrixSlot, g.F * np);
        Gemm.Gemm.Multiply<T>(false, false, g.F, np, g.Ckk, weights, g.Ckk, col, np, product, np);
        // [F, N*P] -> [N, F, P], adding the bias on the way.
        var bias = b is null ? null : Contiguous(b);
        var ys = y.Buffer;
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
                for (int f = 0; f < g.F; f++)
                {
                    var src = product.AsSpan(f * np + n * g.P, g.P);
                    var dst = ys.AsSpan((n * g.F + f) * g.P, g.P);
                    if (bias is null) src.CopyTo(dst);
                    else Elementwise.Map<T, AddOperator<T>>(src, bias[f], dst);
                }
        });
        return y;
    }

    /// <summary>dL/dx for dL/dy = <paramref name="gy"/>: col = wᵀ G, then folded back (col2im).</summary>
    public static Tensor<T> InputGradient<T>(Tensor<T> gy, Tensor<T> w, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gx = Tensor<T>.Uninitialized(g.InputShape);
        if (gx.Size == 0 || gy.Size == 0) return gx;
        if (WinogradPays(g))
        {
            Winograd4x4.InputGradient(gy.Buffer, gy.Offset, Contiguous(w), g, gx.Buffer);
            return gx;
        }
        int np = g.N * g.P;
        var gMatrix = ToFilterMajor(gy, g);
        var dcol = Workspace<T>.Get(Workspace<T>.GradientColumnsSlot, g.Ckk * np);
        Gemm.Gemm.Multiply<T>(true, false, g.Ckk, np, g.F, Contiguous(w), g.Ckk, gMatrix, np, dcol, np);
        Im2Col.Fold(dcol, g, gx.Buffer);
        return gx;
    }

    /// <summary>dL/dw for dL/dy = <paramref name="gy"/>: G colᵀ over the whole batch.</summary>
    public static Tensor<T> WeightGradient<T>(Tensor<T> x, Tensor<T> gy, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.P;
        if (np == 0) return new Tensor<T>(g.KernelShape);
        var gw = Tensor<T>.Uninitialized(g.KernelShape); // each path below writes every element
        if (DirectWeightGradient.Supports(g))
        {
            DirectWeightGradient.Compute(x.Buffer, x.Offset, gy.Buffer, gy.Offset, g, gw.Buffer);
            return gw;
        }
        if (WinogradPays(g))
        {
            Winograd4x4.WeightGradient(x.Buffer, x.Offset, gy.Buffer, gy.Offset, g, gw.Buffer);
            return gw;
        }
        var gMatrix = ToFilterMajor(gy, g);
        var col = Workspace<T>.Get(Workspace<T>.Im2ColSlot, g.Ckk * np);
        Im2Col.Unfold(x.Buffer, x.Offset, g, col);
        Gemm.Gemm.Multiply<T>(false, true, g.F, g.Ckk, np, gMatrix, np, col, np, gw.Buffer, g.Ckk);
        return gw;
    }

    /// <summary>True when the weight gradient's pass over dY can sum the bias gradient too (the direct thin-layer kernel).</summary>
    public static bool FusesBiasGradient(ConvGeometry g) => DirectWeightGradient.Supports(g);

    /// <summary>dL/dw and dL/db in one pass over <paramref name="gy"/> (see <see cref="FusesBiasGradient"/>).</summary>
    public static (Tensor<T> Weight, Tensor<T> Bias) WeightAndBiasGradient<T>(Tensor<T> x, Tensor<T> gy, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.N * g.P == 0) return (new Tensor<T>(g.KernelShape), new Tensor<T>(new Shape(g.F)));
        var gw = Tensor<T>.Uninitialized(g.KernelShape); var gb = Tensor<T>.Uninitialized(new Shape(g.F)); // every element written
        DirectWeightGradient.Compute(x.Buffer, x.Offset, gy.Buffer, gy.Offset, g, gw.Buffer, gb.Buffer);
        return (gw, gb);
    }

    /// <summary>[N, F, P] -> [F, N*P] into the matrix workspace.</summary>
    private static T[] ToFilterMajor<T>(Tensor<T> gy, ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int np = g.N * g.P;
        var matrix = Workspace<T>.Get(Workspace<T>.MatrixSlot, g.F * np);
        var src = gy.Buffer; int offset = gy.Offset;
        WorkerPool.For(g.N, (n0, n1) =>
        {
            for (int n = n0; n < n1; n++)
                for (int f = 0; f < g.F; f++)
                    src.AsSpan(offset + (n * g.F + f) * g.P, g.P).CopyTo(matrix.AsSpan(f * np + n * g.P, g.P));
        });
        return matrix;
    }

    /// <summary>The tensor's elements as an array starting at index 0 (a copy only for offset views).</summary>
    private static T[] Contiguous<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> =>
        t.Offset == 0 && t.Buffer.Length == t.Size ? t.Buffer : t.ToArray();
}
