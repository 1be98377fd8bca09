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
/// 2-D average pooling (PyTorch's <c>nn.AvgPool2d(kernel_size, stride, padding, ceil_mode, count_include_pad)</c>): windows
/// of <see cref="KernelSize"/> (default 2x2) moved by <see cref="Stride"/> (default the window), each one int or (height,
/// width); see <see cref="Tensor{T}.AvgPool2D(Size2D?, Size2D?, Padding, bool, bool)"/> for ceil mode and the divisor.
/// </summary>
public sealed class AvgPool2D<T>(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default, bool ceilMode = false, bool countIncludePad = true)
    : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the output size rounds up (PyTorch's ceil_mode).</summary>
    public bool CeilMode { get; } = ceilMode;
    /// <summary>Whether padded positions count in a window's divisor (PyTorch's count_include_pad, default true).</summary>
    public bool CountIncludePad { get; } = countIncludePad;
    /// <summary>Window size.</summary>
    public Size2D KernelSize { get; } = kernelSize ?? 2;
    /// <summary>Stride.</summary>
    public Size2D Stride { get; } = stride ?? kernelSize ?? 2;
    /// <summary>The padding (counted as zeros in the means).</summary>
    public Padding Padding { get; } = padding;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.AvgPool2D(KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    /// <inheritdoc/>
    protected override string Describe() =>
        $"AvgPool2D({KernelSize.Height}x{KernelSize.Width}, stride {Stride}{(CeilMode ? ", ceil mode" : "")}{(CountIncludePad ? "" : ", padding not counted")})";
}

/// <summary>
/// Global average pooling: [N, C, H, W] to [N, C] by default (Keras' <c>GlobalAveragePooling2D</c>; PyTorch's
/// <c>AdaptiveAvgPool2d(1)</c> then flatten), or to [N, C, 1, 1] with <c>keepDims</c> (PyTorch's <c>AdaptiveAvgPool2d(1)</c>).
/// </summary>
public sealed class GlobalAvgPool2D<T>(bool keepDims = false) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the output keeps its 1x1 plane ([N, C, 1, 1]).</summary>
    public bool KeepDims { get; } = keepDims;
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.GlobalAvgPool2D(KeepDims);
    /// <inheritdoc/>
    protected override string Describe() => KeepDims ? "GlobalAvgPool2D(keepDims: true)" : "GlobalAvgPool2D()";
}
