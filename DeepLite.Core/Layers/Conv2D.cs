using System.Numerics;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A 2-D convolution layer over NCHW input (PyTorch's <c>nn.Conv2d</c>): weight [outChannels, inChannels / groups, KH, KW]
/// (PyTorch's layout), optional bias [outChannels]. Padding defaults to <see cref="Padding.Valid"/>, as in both
/// frameworks; <see cref="Padding.Same"/> is Keras' "same", <see cref="Padding.Symmetric"/> PyTorch's padding=p.
/// </summary>
public sealed class Conv2D<T> : Module<T>, IFusesWithNext<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Creates the layer with weights from <paramref name="init"/> drawn from <paramref name="random"/> (either missing is
    /// <see cref="LayerDefaults"/>'). A kernel size, stride or dilation is one int or (height, width); stride and
    /// dilation default to 1; <paramref name="groups"/> must divide both channel counts.
    /// </summary>
    public Conv2D(int inChannels, int outChannels, Size2D kernelSize, SeededRandom? random = null, Initializer? init = null,
        Size2D? stride = null, Padding padding = default, Size2D? dilation = null, int groups = 1, bool bias = true,
        ConvAlgorithm algorithm = ConvAlgorithm.Auto)
    {
        Size2D s = stride ?? 1, d = dilation ?? 1;
        if (inChannels <= 0 || outChannels <= 0 || kernelSize.Height <= 0 || kernelSize.Width <= 0 || s.Height <= 0 || s.Width <= 0 || d.Height <= 0 || d.Width <= 0)
            throw new ArgumentException($"Conv2D needs positive sizes, got {inChannels} -> {outChannels}, kernel {kernelSize}, stride {s}, dilation {d}.");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2D: {groups} groups must divide both {inChannels} input and {outChannels} output channels.");
        random ??= LayerDefaults.Random;
        init ??= LayerDefaults.Initializer;
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = s; Padding = padding; Dilation = d; Groups = groups;
        Algorithm = algorithm;
        // PyTorch's fans, from the weight's shape: in = (C / groups)·KH·KW, out = F·KH·KW.
        int area = kernelSize.Height * kernelSize.Width, fanIn = inChannels / groups * area, fanOut = outChannels * area;
        Weight = RegisterParameter("weight", init.Weight<T>(new Shape(outChannels, inChannels / groups, kernelSize.Height, kernelSize.Width), fanIn, fanOut, random));
        if (bias) Bias = RegisterParameter("bias", init.Bias<T>(new Shape(outChannels), fanIn, fanOut, random));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public Size2D KernelSize { get; }
    /// <summary>Vertical and horizontal stride.</summary>
    public Size2D Stride { get; }
    /// <summary>The padding.</summary>
    public Padding Padding { get; }
    /// <summary>Vertical and horizontal spacing of the kernel taps (1: adjacent).</summary>
    public Size2D Dilation { get; }
    /// <summary>The number of channel groups (1: every filter sees every channel).</summary>
    public int Groups { get; }
    /// <summary>The forward algorithm (Auto chooses by shape).</summary>
    public ConvAlgorithm Algorithm { get; set; }
    /// <summary>The kernel, [out, in / groups, KH, KW].</summary>
    public Tensor<T> Weight { get; }
    /// <summary>The bias, [out], or null.</summary>
    public Tensor<T>? Bias { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Conv2D(Weight, Bias, Stride, Padding, Dilation, Groups, Algorithm);

    /// <summary>
    /// relu(Forward(input)) without keeping the pre-activation, when <paramref name="next"/> is a <see cref="Relu{T}"/> and
    /// the layer is not grouped (the fused op is the ungrouped convolution's).
    /// </summary>
    bool IFusesWithNext<T>.TryForwardWith(Module<T> next, Tensor<T> input, out Tensor<T> output)
    {
        output = next is Relu<T> && Groups == 1 ? Tensor<T>.Conv2DRelu(input, Weight, Bias, Stride, Dilation, Padding, Algorithm) : null!;
        return output is not null;
    }

    /// <summary>
    /// maxpool(relu(Forward(input))) without keeping the convolution's output, when <paramref name="next"/> is a
    /// <see cref="Relu{T}"/>, <paramref name="afterNext"/> a 2x2 <see cref="MaxPool2D{T}"/> of stride 2 without padding or
    /// ceil mode, the layer is not grouped and its kernels can pool as they compute (a thin first layer on AVX-512).
    /// </summary>
    bool IFusesWithNext<T>.TryForwardWith(Module<T> next, Module<T> afterNext, Tensor<T> input, out Tensor<T> output)
    {
        var pooled = next is Relu<T> && Groups == 1 && afterNext is MaxPool2D<T> { CeilMode: false } pool
            && pool.KernelSize == new Size2D(2, 2) && pool.Stride == new Size2D(2, 2) && pool.Padding == default
            ? Tensor<T>.Conv2DReluMaxPool(input, Weight, Bias, Stride, Dilation, Padding, Algorithm) // null where the kernels cannot pool
            : null;
        output = pooled!;
        return pooled is not null;
    }

    /// <inheritdoc/>
    protected override string Describe() =>
        $"Conv2D({InChannels} -> {OutChannels}, {KernelSize.Height}x{KernelSize.Width}, stride {Stride}, padding {Padding}"
        + (Dilation != new Size2D(1, 1) ? $", dilation {Dilation}" : "") + (Groups != 1 ? $", groups {Groups}" : "") + ")";
}
