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
