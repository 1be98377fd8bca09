using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// Max pooling routes each output's gradient to the input element that won its window; the routing is
// a gather/scatter pair by flat index, each the other's adjoint, so pooling supports double backward.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// 2-D max pooling over [N, C, H, W] (PyTorch's <c>F.max_pool2d(x, kernel_size, stride, padding, ceil_mode=...)</c>): the
    /// window one int or (height, width), default 2; the stride by default the window; no padding unless given (padding
    /// never wins); with <paramref name="ceilMode"/> the output size rounds up. A NaN in a window makes its output NaN.
    /// </summary>
    public Tensor<T> MaxPool2D(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default, bool ceilMode = false) =>
        MaxPool2D(kernelSize, stride, padding, ceilMode, out _, out _);

    /// <summary>
    /// <see cref="MaxPool2D(Size2D?, Size2D?, Padding, bool)"/> and, for every output, the index of the input element that won its window
    /// within its (sample, channel) plane, h·W + w (PyTorch's <c>max_pool2d(..., return_indices=True)</c>), shaped as the output.
    /// </summary>
    public (Tensor<T> Values, IndexTensor Indices) MaxPool2DWithIndices(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default,
        bool ceilMode = false)
    {
        var values = MaxPool2D(kernelSize, stride, padding, ceilMode, out var argmax, out var g);
        // The pooled window indices are flat over the whole input; a copy, made per plane.
        var indices = argmax[..values.Size];
        int plane = g.H * g.W, outputs = g.OH * g.OW;
        for (int i = 0; i < indices.Length; i++) indices[i] -= i / outputs * plane;
        return (values, new IndexTensor(indices, values.Shape));
    }

    private Tensor<T> MaxPool2D(Size2D? kernelSize, Size2D? stride, Padding padding, bool ceilMode, out int[] argmax, out ConvGeometry g)
    {
        g = PoolGeometry("MaxPool2D", kernelSize, stride, padding, ceilMode);
        var y = Uninitialized(new Shape(g.N, g.C, g.OH, g.OW));
        // The window indices come from the pool too (and may be longer than y: every use below is bounded by a tensor's
        // size). They are not a tensor, so the backward checks their lease itself: after the scope they may hold
        // another step's indices.
        (argmax, var lease, var scope) = TensorPool.Rent<int>(y.Size);
        MaxPooling.Forward(Buffer, Offset, g, y.Buffer, argmax);
        return Recording(this) ? Backward(y, this, argmax, lease, scope, g) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] argmax, BufferLease lease, long scope, ConvGeometry g) => Record(y, "MaxPool2D", [x], gy =>
        {
            if (lease.ScopeId != scope)
                throw new InvalidOperationException($"Backward through MaxPool2D (input {x.Shape}) after TensorPool scope #{scope}, in which it ran, has ended: its window indices went back to the pool. Run backward inside the scope.");
            return [gy.MaxPool2DBackward(argmax, g)];
        }, new GeometryAttributes(g));
    }

    /// <summary>The pooling's input gradient: ScatterFlat by the forward's argmax, parallel over planes (see <see cref="MaxPooling.Backward"/>).</summary>
    private Tensor<T> MaxPool2DBackward(int[] argmax, ConvGeometry g)
    {
        var y = Uninitialized(g.InputShape()); // the kernel writes every element
        MaxPooling.Backward<T>(Span, argmax, g, y.Span);
        return Recording(this) ? Backward(y, this, argmax) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] argmax) => Record(y, "MaxPool2DBackward", [x], gg => [gg.GatherFlat(argmax, x.Shape)]);
    }

    /// <summary>A tensor of <paramref name="shape"/>, zero except result.flat[indices[i]] += this.flat[i].</summary>
    internal Tensor<T> ScatterFlat(int[] indices, Shape shape)
    {
        var y = new Tensor<T>(shape);
        var src = Span; var dst = y.Span;
        for (int i = 0; i < src.Length; i++) dst[indices[i]] += src[i];
        return Recording(this) ? Backward(y, this, indices) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] indices) => Record(y, "ScatterFlat", [x], g => [g.GatherFlat(indices, x.Shape)]);
    }

    /// <summary>A tensor of <paramref name="shape"/> with result.flat[i] = this.flat[indices[i]].</summary>
    internal Tensor<T> GatherFlat(int[] indices, Shape shape)
    {
        var y = new Tensor<T>(shape);
        var src = Span; var dst = y.Span;
        for (int i = 0; i < dst.Length; i++) dst[i] = src[indices[i]];
        return Recording(this) ? Backward(y, this, indices) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] indices) => Record(y, "GatherFlat", [x], g => [g.ScatterFlat(indices, x.Shape)]);
    }

    /// <summary>
    /// 2-D average pooling over [N, C, H, W] (PyTorch's <c>avg_pool2d(x, kernel_size, stride, padding, ceil_mode,
    /// count_include_pad)</c>): each output is the mean of its window. The window is one int or (height, width), default 2;
    /// the stride by default the window. With <paramref name="countIncludePad"/> (PyTorch's default) padded positions count
    /// as zeros in the mean; without, a window is divided by its input elements only. With <paramref name="ceilMode"/> the
    /// output size rounds up and a last window reaching past the padding is divided by the part inside it (PyTorch's rule).
    /// </summary>
    public Tensor<T> AvgPool2D(Size2D? kernelSize = null, Size2D? stride = null, Padding padding = default, bool ceilMode = false, bool countIncludePad = true)
    {
        var g = PoolGeometry("AvgPool2D", kernelSize, stride, padding, ceilMode);
        var (_, bottom, _, right) = padding.Resolve(g.H, g.W, g.KH, g.KW, g.SH, g.SW);
        return AvgPool2D(g, AveragePooling.Scales<T>(g, bottom, right, countIncludePad), new AvgPoolAttributes(g, bottom, right, ceilMode, countIncludePad));
    }

    /// <summary>A pooling's geometry: window default 2, stride default the window.</summary>
    private ConvGeometry PoolGeometry(string op, Size2D? kernelSize, Size2D? stride, Padding padding, bool ceilMode)
    {
        Size2D k = kernelSize ?? 2, s = stride ?? k;
        int channels = Rank == 4 ? Shape[1] : 0;
        return ConvShapes.Geometry(op, Shape, channels, channels, k.Height, k.Width, s.Height, s.Width, padding, ceilMode: ceilMode);
    }

    /// <summary>
    /// Global average pooling, the mean of each plane: [N, C, H, W] to [N, C] (Keras' GlobalAveragePooling2D, PyTorch's
    /// <c>AdaptiveAvgPool2d(1)</c> then <c>flatten(1)</c>), or with <paramref name="keepDims"/> to [N, C, 1, 1] (PyTorch's
    /// <c>AdaptiveAvgPool2d(1)</c> itself).
    /// </summary>
    public Tensor<T> GlobalAvgPool2D(bool keepDims = false)
    {
        if (Rank != 4) throw new ArgumentException($"GlobalAvgPool2D: input must be [N, C, H, W], got shape {Shape}.");
        return Mean([2, 3], keepDims);
    }

    /// <summary>Average pooling of a resolved geometry, recorded with its adjoint as backward.</summary>
    private Tensor<T> AvgPool2D(ConvGeometry g, T[] scales, AvgPoolAttributes? attributes = null)
    {
        var y = Uninitialized(new Shape(g.N, g.C, g.OH, g.OW)); // the kernel writes every element
        if (y.Size > 0) AveragePooling.Forward(Buffer, Offset, g, scales, y.Buffer);
        return Recording(this) ? Backward(y, this, g, scales, attributes) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, ConvGeometry g, T[] scales, AvgPoolAttributes? attributes) =>
            Record(y, "AvgPool2D", [x], gy => [gy.AvgPool2DBackward(g, scales)], attributes);
    }

    /// <summary>AvgPool2D's input gradient, recorded with AvgPool2D as its backward (the two are adjoint).</summary>
    private Tensor<T> AvgPool2DBackward(ConvGeometry g, T[] scales)
    {
        var y = Uninitialized(g.InputShape()); // the kernel writes every element
        if (y.Size > 0) AveragePooling.Backward(Buffer, Offset, g, scales, y.Buffer);
        return Recording(this) ? Backward(y, this, g, scales) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> gy, ConvGeometry g, T[] scales) => Record(y, "AvgPool2DBackward", [gy], gg => [gg.AvgPool2D(g, scales)]);
    }
}
