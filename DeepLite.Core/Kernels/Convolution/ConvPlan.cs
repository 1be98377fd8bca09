using System.Numerics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// How one convolution geometry is computed: the forward, input-gradient and weight-gradient algorithms, whether
/// the weight gradient's pass also sums the bias gradient, and the instruction set of the direct kernels. It is
/// the only place these are chosen: the Conv2D op makes one plan and uses it for the forward pass, the backward
/// pass and a double backward, and tests make plans to reach a particular kernel. Its Run methods take and write
/// plain arrays (the operand's data from an offset, the weights and bias from index 0), like every kernel.
/// </summary>
internal sealed class ConvPlan
{
    private ConvPlan(ConvGeometry geometry, ConvAlgorithm forward, ConvAlgorithm inputGradient, ConvAlgorithm weightGradient, bool avx512)
    {
        Geometry = geometry; Forward = forward; InputGradient = inputGradient; WeightGradient = weightGradient; Avx512 = avx512;
    }

    /// <summary>The sizes it was made for.</summary>
    public ConvGeometry Geometry { get; }
    /// <summary>The forward algorithm (never <see cref="ConvAlgorithm.Auto"/>).</summary>
    public ConvAlgorithm Forward { get; }
    /// <summary>The input gradient's algorithm: <see cref="ConvAlgorithm.Winograd4x4"/> or <see cref="ConvAlgorithm.Im2ColGemm"/>.</summary>
    public ConvAlgorithm InputGradient { get; }
    /// <summary>The weight gradient's algorithm: <see cref="ConvAlgorithm.Direct"/>, <see cref="ConvAlgorithm.Winograd4x4"/> or <see cref="ConvAlgorithm.Im2ColGemm"/>.</summary>
    public ConvAlgorithm WeightGradient { get; }
    /// <summary>Whether the direct kernels use their AVX-512 forms (else AVX2 + FMA).</summary>
    public bool Avx512 { get; }
    /// <summary>Whether <see cref="RunWeightGradient{T}"/> can sum the bias gradient in the same pass over dY (the direct kernel).</summary>
    public bool FusesBiasGradient => WeightGradient == ConvAlgorithm.Direct;
    /// <summary>
    /// Whether <see cref="RunForward{T}"/> can apply a ReLU as it stores y (every forward kernel but the AVX2 direct one):
    /// a Conv2D + ReLU layer's output is then written once, not written, read and written again.
    /// </summary>
    public bool FusesRelu => Forward != ConvAlgorithm.Direct || Avx512;
    /// <summary>
    /// Whether <see cref="RunWeightGradient{T}"/> can mask dY by a ReLU's output as it reads it (the AVX-512 direct kernel,
    /// which thin first layers run: the masked dY, the largest tensor of a CNN's backward pass, is then never written).
    /// </summary>
    public bool MasksReluGradient => WeightGradient == ConvAlgorithm.Direct && Avx512;

    /// <summary>
    /// Whether <see cref="RunForwardReluMaxPool{T}"/> and <see cref="RunWeightGradientPooled{T}"/> can run: the AVX-512
    /// direct kernels (a thin first layer), which compute a few filter planes of a sample at a time and can pool them, and
    /// build the pooled gradient's dY block by block, while those are in cache.
    /// </summary>
    public bool PoolsReluOutput => Forward == ConvAlgorithm.Direct && MasksReluGradient;

    /// <summary>
    /// The plan for <paramref name="g"/>. <paramref name="requested"/> fixes the forward algorithm (a request the
    /// geometry cannot take is refused); <paramref name="avx512"/> fixes the direct kernels' instruction set (tests
    /// reach the AVX2 forms with false; true needs AVX-512F). The gradients are always chosen by shape.
    /// </summary>
    public static ConvPlan For(ConvGeometry g, ConvAlgorithm requested = ConvAlgorithm.Auto, bool? avx512 = null)
    {
        if (avx512 == true && !Avx512F.IsSupported) throw new NotSupportedException("This machine has no AVX-512F.");
        // A dilated kernel only has the im2col form: its unfolding spreads the taps, the GEMM is unchanged.
        bool direct = DirectConvolution.Supports(g) && !g.IsDilated;
        if (requested == ConvAlgorithm.Direct && !direct)
            throw new NotSupportedException($"The direct convolution needs stride 1, no dilation and AVX2/FMA; this layer has stride {g.SH}x{g.SW}, dilation {g.DH}x{g.DW}.");
        if (requested is ConvAlgorithm.Winograd4x4 && (!Winograd4x4.Supports(g) || g.IsDilated))
            throw new NotSupportedException($"The Winograd convolution needs a 3x3 kernel at stride 1 without dilation, with padding of at most 2; this layer has {g.KH}x{g.KW} at stride {g.SH}x{g.SW}, dilation {g.DH}x{g.DW}.");
        bool winograd = WinogradPays(g) && !g.IsDilated;
        var forward = requested != ConvAlgorithm.Auto ? requested
            : direct && g.C <= ThinChannels ? ConvAlgorithm.Direct
            : winograd ? ConvAlgorithm.Winograd4x4 : ConvAlgorithm.Im2ColGemm;
        var input = winograd ? ConvAlgorithm.Winograd4x4 : ConvAlgorithm.Im2ColGemm;
        var weight = direct && g.PatchSize <= DirectWeightGradientMaxPatch ? ConvAlgorithm.Direct : input;
        return new ConvPlan(g, forward, input, weight, avx512 ?? Avx512F.IsSupported);
    }

    /// <summary>The instruction sets of the direct kernels this machine runs (for <see cref="For"/>'s avx512): AVX-512 if it has it, and AVX2.</summary>
    public static IReadOnlyList<bool> InstructionSets { get; } = Avx512F.IsSupported ? [true, false] : [false];

    /// <summary>The forward pass takes the direct kernel up to this many input channels (a first layer's 1 or 3).</summary>
    private const int ThinChannels = 4;

    /// <summary>
    /// The direct weight gradient keeps a filter block's C·KH·KW sums in registers: thin layers only (for wide ones
    /// the GEMM is efficient and the direct loop would not be).
    /// </summary>
    private const int DirectWeightGradientMaxPatch = 64;

    /// <summary>
    /// Winograd F(4x4, 3x3) for 3x3 stride-1 layers wide enough (16+ channels in and out), with at least 8 samples
    /// (its transforms run a vector of samples at a time; fewer go one by one) and enough tiles over the batch
    /// (128 2x2-tile equivalents) that the GEMMs, not the transforms and the weight transform, dominate. The
    /// measurements behind the bounds are in benchmarks/README.md.
    /// </summary>
    private static bool WinogradPays(ConvGeometry g) =>
        Winograd4x4.Supports(g) && g.C >= 16 && g.F >= 16 && g.N >= 8 && (long)g.N * ((g.OH + 1) / 2) * ((g.OW + 1) / 2) >= 128;

    /// <summary>
    /// y [N, F, OH, OW] = conv(x, w) + b, or relu(conv(x, w) + b) with <paramref name="relu"/> (only if
    /// <see cref="FusesRelu"/>); every element of <paramref name="y"/> is written.
    /// </summary>
    public void RunForward<T>(T[] x, int xOffset, T[] weights, T[]? bias, T[] y, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = Geometry;
        if (relu && !FusesRelu) throw new InvalidOperationException($"The {Forward} forward pass does not apply a ReLU.");
        switch (Forward)
        {
            case ConvAlgorithm.Direct: DirectConvolution.Forward(x, xOffset, weights, bias, g, y, Avx512, relu); break;
            case ConvAlgorithm.Winograd4x4: Winograd4x4.Forward(x, xOffset, weights, bias, g, y, relu); break;
            default: Im2ColConvolution.Forward(x, xOffset, weights, bias, g, y, relu); break;
        }
    }

    /// <summary>
    /// pooled = maxpool(relu(conv(x, w) + b)) for the 2x2, stride-2 pooling <paramref name="pool"/> of the output, and each
    /// window's winner as a flat index into the output [N, F, OH, OW] (only if <see cref="PoolsReluOutput"/>); every
    /// element of <paramref name="pooled"/> and the first pooled-size elements of <paramref name="argmax"/> are written.
    /// </summary>
    public void RunForwardReluMaxPool<T>(T[] x, int xOffset, T[] weights, T[]? bias, ConvGeometry pool, T[] pooled, int[] argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!PoolsReluOutput) throw new InvalidOperationException($"The {Forward} forward pass does not pool its output.");
        if (!MaxPooling.IsTwoByTwo(pool) || pool.H != Geometry.OH || pool.W != Geometry.OW)
            throw new ArgumentException($"The fused pooling takes 2x2 windows of stride 2 over the {Geometry.OH}x{Geometry.OW} output, not {pool}.");
        DirectConvolution.ForwardReluMaxPool512(x, xOffset, weights, bias, Geometry, pool, pooled, argmax);
    }

    /// <summary>
    /// dL/dw (and dL/db into <paramref name="gb"/> when given) for the gradient <paramref name="pooled"/> of
    /// <see cref="RunForwardReluMaxPool{T}"/>'s output (only if <see cref="PoolsReluOutput"/>); every element of the
    /// outputs is written.
    /// </summary>
    public void RunWeightGradientPooled<T>(T[] x, int xOffset, PooledGradient<T> pooled, T[] gw, T[]? gb) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!PoolsReluOutput) throw new InvalidOperationException($"The {WeightGradient} weight gradient does not take a pooled gradient.");
        OuterProductWeightGradient.ComputePooled(x, xOffset, pooled, Geometry, gw, gb);
    }

    /// <summary>dL/dx [N, C, H, W] for dL/dy = <paramref name="gy"/>; every element of <paramref name="gx"/> is written.</summary>
    public void RunInputGradient<T>(T[] gy, int gyOffset, T[] weights, T[] gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (InputGradient == ConvAlgorithm.Winograd4x4) Winograd4x4.InputGradient(gy, gyOffset, weights, Geometry, gx);
        else Im2ColConvolution.InputGradient(gy, gyOffset, weights, Geometry, gx);
    }

    /// <summary>
    /// dL/dw [F, C, KH, KW] for dL/dy = <paramref name="gy"/>, and dL/db [F] into <paramref name="gb"/> when given
    /// (only if <see cref="FusesBiasGradient"/>); with <paramref name="positive"/> (only if <see cref="MasksReluGradient"/>),
    /// for dL/dy = gy where positive &gt; 0, else 0 (a ReLU's gradient, by its output). Every element of the outputs is written.
    /// </summary>
    public void RunWeightGradient<T>(T[] x, int xOffset, T[] gy, int gyOffset, T[] gw, T[]? gb = null, T[]? positive = null, int positiveOffset = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gb is not null && !FusesBiasGradient) throw new InvalidOperationException($"The {WeightGradient} weight gradient does not sum the bias gradient.");
        if (positive is not null && !MasksReluGradient) throw new InvalidOperationException($"The {WeightGradient} weight gradient does not mask dY.");
        var g = Geometry;
        switch (WeightGradient)
        {
            case ConvAlgorithm.Direct:
                if (Avx512) OuterProductWeightGradient.Compute(x, xOffset, gy, gyOffset, g, gw, gb, positive, positiveOffset);
                else DirectWeightGradient.Compute(x, xOffset, gy, gyOffset, g, gw, gb);
                break;
            case ConvAlgorithm.Winograd4x4: Winograd4x4.WeightGradient(x, xOffset, gy, gyOffset, g, gw); break;
            default: Im2ColConvolution.WeightGradient(x, xOffset, gy, gyOffset, g, gw); break;
        }
    }
}
