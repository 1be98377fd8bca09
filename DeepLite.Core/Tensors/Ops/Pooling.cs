using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// Max pooling routes each output's gradient to the input element that won its window; the routing is
// a gather/scatter pair by flat index, each the other's adjoint, so pooling supports double backward.
public sealed partial class Tensor<T>
{
    /// <summary>2-D max pooling over [N, C, H, W] (kernel and stride; no padding unless given).</summary>
    public Tensor<T> MaxPool2D(int kernel = 2, int stride = 0, Padding padding = default) => MaxPool2D(kernel, stride, padding, out _, out _);

    /// <summary>
    /// <see cref="MaxPool2D(int, int, Padding)"/> and, for every output, the index of the input element that won its window
    /// within its (sample, channel) plane, h·W + w (PyTorch's <c>max_pool2d(..., return_indices=True)</c>), in the output's order.
    /// </summary>
    public (Tensor<T> Values, int[] Indices) MaxPool2DWithIndices(int kernel = 2, int stride = 0, Padding padding = default)
    {
        var values = MaxPool2D(kernel, stride, padding, out var argmax, out var g);
        // The pooled window indices are flat over the whole input; a copy, made per plane.
        var indices = argmax[..values.Size];
        int plane = g.H * g.W, outputs = g.OH * g.OW;
        for (int i = 0; i < indices.Length; i++) indices[i] -= i / outputs * plane;
        return (values, indices);
    }

    private Tensor<T> MaxPool2D(int kernel, int stride, Padding padding, out int[] argmax, out ConvGeometry g)
    {
        if (stride == 0) stride = kernel;
        g = ConvShapes.Geometry("MaxPool2D", Shape, Rank == 4 ? Shape[1] : 0, Rank == 4 ? Shape[1] : 0, kernel, kernel, stride, stride, padding);
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
        });
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
    /// 2-D average pooling over [N, C, H, W] (PyTorch's <c>avg_pool2d</c>, count_include_pad=True): each output is the
    /// mean of its kernel x kernel window, padded positions counting as zeros. Stride 0 means the kernel size.
    /// </summary>
    public Tensor<T> AvgPool2D(int kernel = 2, int stride = 0, Padding padding = default)
    {
        if (stride == 0) stride = kernel;
        return AvgPool2D(ConvShapes.Geometry("AvgPool2D", Shape, Rank == 4 ? Shape[1] : 0, Rank == 4 ? Shape[1] : 0, kernel, kernel, stride, stride, padding));
    }

    /// <summary>Global average pooling: [N, C, H, W] to [N, C], the mean of each plane (Keras' GlobalAveragePooling2D).</summary>
    public Tensor<T> GlobalAvgPool2D()
    {
        if (Rank != 4) throw new ArgumentException($"GlobalAvgPool2D: input must be [N, C, H, W], got shape {Shape}.");
        return Mean([2, 3]);
    }

    /// <summary>Average pooling of a resolved geometry, recorded with its adjoint as backward.</summary>
    private Tensor<T> AvgPool2D(ConvGeometry g)
    {
        var y = Uninitialized(new Shape(g.N, g.C, g.OH, g.OW)); // the kernel writes every element
        if (y.Size > 0) AveragePooling.Forward(Buffer, Offset, g, y.Buffer);
        return Recording(this) ? Backward(y, this, g) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, ConvGeometry g) => Record(y, "AvgPool2D", [x], gy => [gy.AvgPool2DBackward(g)]);
    }

    /// <summary>AvgPool2D's input gradient, recorded with AvgPool2D as its backward (the two are adjoint).</summary>
    private Tensor<T> AvgPool2DBackward(ConvGeometry g)
    {
        var y = Uninitialized(g.InputShape()); // the kernel writes every element
        if (y.Size > 0) AveragePooling.Backward(Buffer, Offset, g, y.Buffer);
        return Recording(this) ? Backward(y, this, g) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> gy, ConvGeometry g) => Record(y, "AvgPool2DBackward", [gy], gg => [gg.AvgPool2D(g)]);
    }
}
