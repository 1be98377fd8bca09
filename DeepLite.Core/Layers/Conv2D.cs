using System.Numerics;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A 2-D convolution layer over NCHW input: weight [outChannels, inChannels, k, k] (PyTorch's layout),
/// optional bias [outChannels]. Padding defaults to <see cref="Padding.Valid"/>, as in both frameworks;
/// <see cref="Padding.Same"/> is Keras' "same".
/// </summary>
public sealed class Conv2D<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer with weights from <paramref name="init"/> (Glorot-uniform when null).</summary>
    public Conv2D(int inChannels, int outChannels, int kernelSize, SeededRandom random, int stride = 1, Padding padding = default,
        bool bias = true, Initializer? init = null, ConvAlgorithm algorithm = ConvAlgorithm.Auto)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0)
            throw new ArgumentException($"Conv2D needs positive sizes, got {inChannels} -> {outChannels}, kernel {kernelSize}, stride {stride}.");
        ArgumentNullException.ThrowIfNull(random);
        init ??= Initializer.GlorotUniform;
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride; Padding = padding; Algorithm = algorithm;
        int area = kernelSize * kernelSize;
        Weight = RegisterParameter("weight", init.Weight<T>(new Shape(outChannels, inChannels, kernelSize, kernelSize), inChannels * area, outChannels * area, random));
        if (bias) Bias = RegisterParameter("bias", init.Bias<T>(new Shape(outChannels), inChannels * area, outChannels * area, random));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels (filters).</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>The padding.</summary>
    public Padding Padding { get; }
    /// <summary>The forward algorithm (Auto chooses by shape).</summary>
    public ConvAlgorithm Algorithm { get; set; }
    /// <summary>The kernel, [out, in, k, k].</summary>
    public Tensor<T> Weight { get; }
    /// <summary>The bias, [out], or null.</summary>
    public Tensor<T>? Bias { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => Tensor<T>.Conv2D(input, Weight, Bias, Stride, Padding, Algorithm);

    /// <summary>relu(Forward(input)) without keeping the pre-activation (see <see cref="Sequential{T}"/>).</summary>
    internal Tensor<T> ForwardRelu(Tensor<T> input) => Tensor<T>.Conv2DRelu(input, Weight, Bias, (Stride, Stride), Padding, Algorithm);

    /// <inheritdoc/>
    protected override string Describe() => $"Conv2D({InChannels} -> {OutChannels}, {KernelSize}x{KernelSize}, stride {Stride}, padding {Padding})";
}
