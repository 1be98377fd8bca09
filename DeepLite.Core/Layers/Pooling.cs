using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// 2-D max pooling (PyTorch's <c>nn.MaxPool2d</c>): windows of <see cref="KernelSize"/> (default 2x2) moved by
/// <see cref="Stride"/> (default the window), each one int or (height, width); with ceil mode the output size rounds up.
/// </summary>
public sealed class MaxPool2D<T>(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default, bool ceilMode = false)
    : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Window size.</summary>
    public Size2D KernelSize { get; } = kernelSize ?? 2;
    /// <summary>Stride.</summary>
    public Size2D Stride { get; } = stride ?? kernelSize ?? 2;
    /// <summary>The padding (never wins a window).</summary>
    public Padding Padding { get; } = padding;
    /// <summary>Whether the output size rounds up (PyTorch's ceil_mode).</summary>
    public bool CeilMode { get; } = ceilMode;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.MaxPool2D(KernelSize, Stride, Padding, CeilMode);

    /// <inheritdoc/>
    protected override string Describe() => $"MaxPool2D({KernelSize.Height}x{KernelSize.Width}, stride {Stride}{(CeilMode ? ", ceil mode" : "")})";
}

/// <summary>
/// 2-D average pooling (PyTorch's <c>nn.AvgPool2d</c>, count_include_pad=True): windows of <see cref="KernelSize"/>
/// (default 2x2) moved by <see cref="Stride"/> (default the window), each one int or (height, width).
/// </summary>
public sealed class AvgPool2D<T>(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default)
    : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Window size.</summary>
    public Size2D KernelSize { get; } = kernelSize ?? 2;
    /// <summary>Stride.</summary>
    public Size2D Stride { get; } = stride ?? kernelSize ?? 2;
    /// <summary>The padding (counted as zeros in the means).</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.AvgPool2D(KernelSize, Stride, Padding);

    /// <inheritdoc/>
    protected override string Describe() => $"AvgPool2D({KernelSize.Height}x{KernelSize.Width}, stride {Stride})";
}

/// <summary>Global average pooling: [N, C, H, W] to [N, C] (Keras' <c>GlobalAveragePooling2D</c>; PyTorch's <c>AdaptiveAvgPool2d(1)</c> then flatten).</summary>
public sealed class GlobalAvgPool2D<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.GlobalAvgPool2D();
}
