using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// The static forms of the ops in 0.1.0, kept for the 0.2 releases so that a 0.1.0 program compiles with warnings that
// name the new call; removed in 0.3.0 (CHANGELOG.md). Each forwards to the instance form, the one PyTorch has.
public sealed partial class Tensor<T>
{
    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Add(a, b)</c>: <c>a + b</c>.</summary>
    [Obsolete("Use a + b (Tensor<T>.Add is removed in 0.3.0).")]
    public static Tensor<T> Add(Tensor<T> a, Tensor<T> b) => a + b;

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Subtract(a, b)</c>: <c>a - b</c>.</summary>
    [Obsolete("Use a - b (Tensor<T>.Subtract is removed in 0.3.0).")]
    public static Tensor<T> Subtract(Tensor<T> a, Tensor<T> b) => a - b;

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Multiply(a, b)</c>: <c>a * b</c>.</summary>
    [Obsolete("Use a * b (Tensor<T>.Multiply is removed in 0.3.0).")]
    public static Tensor<T> Multiply(Tensor<T> a, Tensor<T> b) => a * b;

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Divide(a, b)</c>: <c>a / b</c>.</summary>
    [Obsolete("Use a / b (Tensor<T>.Divide is removed in 0.3.0).")]
    public static Tensor<T> Divide(Tensor<T> a, Tensor<T> b) => a / b;

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.MatMul(a, b, ...)</c>: <c>a.MatMul(b, ...)</c>.</summary>
    [Obsolete("Use a.MatMul(b, transposeA, transposeB) (the static Tensor<T>.MatMul is removed in 0.3.0).")]
    public static Tensor<T> MatMul(Tensor<T> a, Tensor<T> b, bool transposeA = false, bool transposeB = false) => a.MatMul(b, transposeA, transposeB);

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Linear(input, weight, bias)</c>: <c>input.Linear(weight, bias)</c>.</summary>
    [Obsolete("Use input.Linear(weight, bias) (the static Tensor<T>.Linear is removed in 0.3.0).")]
    public static Tensor<T> Linear(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias = null) => input.Linear(weight, bias);

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Conv2D(input, weight, bias, stride, padding, algorithm)</c>.</summary>
    [Obsolete("Use input.Conv2D(weight, bias, stride, padding, algorithm: algorithm) (the static Tensor<T>.Conv2D is removed in 0.3.0).")]
    public static Tensor<T> Conv2D(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias = null, int stride = 1, Padding padding = default,
        ConvAlgorithm algorithm = ConvAlgorithm.Auto) => input.Conv2D(weight, bias, stride, padding, algorithm: algorithm);

    /// <summary>0.1.0's <c>Tensor&lt;T&gt;.Conv2D</c> with separate vertical and horizontal strides.</summary>
    [Obsolete("Use input.Conv2D(weight, bias, new Size2D(h, w), padding, algorithm: algorithm) (the static Tensor<T>.Conv2D is removed in 0.3.0).")]
    public static Tensor<T> Conv2D(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, (int H, int W) stride, Padding padding,
        ConvAlgorithm algorithm = ConvAlgorithm.Auto) => input.Conv2D(weight, bias, new Size2D(stride.H, stride.W), padding, algorithm: algorithm);
}
