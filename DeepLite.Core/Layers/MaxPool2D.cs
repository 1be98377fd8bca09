using System.Numerics;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>2-D max pooling (default 2x2 with stride 2).</summary>
public sealed class MaxPool2D<T>(int kernelSize = 2, int stride = 0, Padding padding = default) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;
    /// <summary>Stride (the window size when 0).</summary>
    public int Stride { get; } = stride == 0 ? kernelSize : stride;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.MaxPool2D(KernelSize, Stride, padding);

    /// <inheritdoc/>
    protected override string Describe() => $"MaxPool2D({KernelSize}x{KernelSize}, stride {Stride})";
}

/// <summary>2-D average pooling (PyTorch's <c>nn.AvgPool2d</c>, count_include_pad=True; default 2x2 with stride 2).</summary>
public sealed class AvgPool2D<T>(int kernelSize = 2, int stride = 0, Padding padding = default) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;
    /// <summary>Stride (the window size when 0).</summary>
    public int Stride { get; } = stride == 0 ? kernelSize : stride;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.AvgPool2D(KernelSize, Stride, padding);

    /// <inheritdoc/>
    protected override string Describe() => $"AvgPool2D({KernelSize}x{KernelSize}, stride {Stride})";
}

/// <summary>Global average pooling: [N, C, H, W] to [N, C] (Keras' <c>GlobalAveragePooling2D</c>; PyTorch's <c>AdaptiveAvgPool2d(1)</c> then flatten).</summary>
public sealed class GlobalAvgPool2D<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.GlobalAvgPool2D();
}
