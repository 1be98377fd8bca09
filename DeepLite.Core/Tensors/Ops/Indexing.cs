namespace DeepLite.Tensors;

// Selection by integer indices. Gather and ScatterAdd are each other's adjoints, and so are IndexSelect and IndexAdd:
// each backward is the other op, written with recorded ops, so they can be differentiated again.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Values picked along <paramref name="axis"/> by <paramref name="index"/> (PyTorch's <c>torch.gather(x, dim, index)</c>):
    /// for a 3-D tensor and axis 1, y[i, j, k] = x[i, index[i, j, k], k]. The index has this tensor's rank, its other
    /// dimensions no larger than this tensor's; the result has the index's shape.
    /// </summary>
    public Tensor<T> Gather(int axis, IndexTensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int ax = Shape.NormalizeAxis(axis);
        CheckScatterShapes("Gather", ax, index, index.Shape);
        var y = Uninitialized(index.Shape);
        var xs = Span; var ys = y.Span;
        var targets = ScatterTargets(Shape, ax, index);
        for (int i = 0; i < ys.Length; i++) ys[i] = xs[targets[i]];
        return Recording(this) ? Backward(y, this, ax, index) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int axis, IndexTensor index) =>
            Record(y, "Gather", [x], g => [Zeros([.. x.Shape.Dims]).ScatterAdd(axis, index, g)], new IndexAttributes(axis, index));
    }

    /// <summary>
    /// This tensor with <paramref name="source"/>'s values added at the positions <paramref name="index"/> names along
    /// <paramref name="axis"/> (PyTorch's <c>x.scatter_add(dim, index, src)</c>): for axis 1 of a 3-D tensor,
    /// y[i, index[i, j, k], k] += src[i, j, k]. A copy; repeated indices add up.
    /// </summary>
    public Tensor<T> ScatterAdd(int axis, IndexTensor index, Tensor<T> source)
    {
        ArgumentNullException.ThrowIfNull(index); ArgumentNullException.ThrowIfNull(source);
        int ax = Shape.NormalizeAxis(axis);
        if (source.Shape != index.Shape) throw new ArgumentException($"ScatterAdd: the source of shape {source.Shape} must have the index's shape {index.Shape}.");
        CheckScatterShapes("ScatterAdd", ax, index, source.Shape);
        var y = Clone();
        var ss = source.Span; var ys = y.Span;
        var targets = ScatterTargets(Shape, ax, index);
        for (int i = 0; i < ss.Length; i++) ys[targets[i]] += ss[i];
        return Recording(this, source) ? Backward(y, this, source, ax, index) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> source, int axis, IndexTensor index) =>
            Record(y, "ScatterAdd", [x, source], g => [g, source.RequiresGrad ? g.Gather(axis, index) : null]);
    }

    private void CheckScatterShapes(string op, int axis, IndexTensor index, Shape other)
    {
        if (index.Shape.Rank != Rank)
            throw new ArgumentException($"{op}: the index of shape {index.Shape} must have the rank of the tensor's shape {Shape}.");
        for (int d = 0; d < Rank; d++)
            if (d != axis && index.Shape.Dims[d] > Shape.Dims[d])
                throw new ArgumentException($"{op}: the index of shape {index.Shape} is larger than the tensor's shape {Shape} in dimension {d}.");
        var values = index.Span;
        int size = Shape.Dims[axis];
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= (uint)size)
                throw new IndexOutOfRangeException($"{op}: index {values[i]} at position {i} is out of range for dimension {axis} of shape {Shape} (size {size}).");
    }

    /// <summary>For every index element, the flat position it names in a tensor of <paramref name="shape"/>.</summary>
    private static int[] ScatterTargets(Shape shape, int axis, IndexTensor index)
    {
        var strides = shape.Strides();
        var dims = index.Shape.Dims;
        var position = new int[dims.Length];
        var values = index.Span;
        var targets = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int target = 0;
            for (int d = 0; d < dims.Length; d++) target += (d == axis ? values[i] : position[d]) * strides[d];
            targets[i] = target;
            for (int d = dims.Length - 1; d >= 0; d--)
            {
                if (++position[d] < dims[d]) break;
                position[d] = 0;
            }
        }
        return targets;
    }

    /// <summary>
    /// The slices of <paramref name="axis"/> that <paramref name="index"/> names, in its order (PyTorch's
    /// <c>x.index_select(dim, index)</c>, <c>x[:, index]</c>): a 1-D index of n entries makes that axis n long. A copy;
    /// an index may repeat.
    /// </summary>
    public Tensor<T> IndexSelect(int axis, IndexTensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        int ax = Shape.NormalizeAxis(axis);
        var rows = CheckIndexVector("IndexSelect", ax, index);
        int outer = Shape.Product(0, ax), size = Shape.Dims[ax], inner = Shape.Product(ax + 1, Rank);
        var dims = Shape.ToArray(); dims[ax] = rows.Length;
        var y = Uninitialized(new Shape(dims));
        var xs = Span; var ys = y.Span;
        for (int o = 0; o < outer; o++)
            for (int r = 0; r < rows.Length; r++)
                xs.Slice((o * size + rows[r]) * inner, inner).CopyTo(ys.Slice((o * rows.Length + r) * inner, inner));
        return Recording(this) ? Backward(y, this, ax, index) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int axis, IndexTensor index) =>
            Record(y, "IndexSelect", [x], g => [Zeros([.. x.Shape.Dims]).IndexAdd(axis, index, g)], new IndexAttributes(axis, index));
    }

    /// <summary>
    /// This tensor with <paramref name="source"/>'s slices added to the slices of <paramref name="axis"/> that
    /// <paramref name="index"/> names (PyTorch's <c>x.index_add(dim, index, source)</c>); repeated indices add up. A copy.
    /// </summary>
    public Tensor<T> IndexAdd(int axis, IndexTensor index, Tensor<T> source)
    {
        ArgumentNullException.ThrowIfNull(index); ArgumentNullException.ThrowIfNull(source);
        int ax = Shape.NormalizeAxis(axis);
        var rows = CheckIndexVector("IndexAdd", ax, index);
        var dims = Shape.ToArray(); dims[ax] = rows.Length;
        if (source.Shape != new Shape(dims))
            throw new ArgumentException($"IndexAdd: the source of shape {source.Shape} should be {new Shape(dims)} for {rows.Length} indices into shape {Shape}.");
        int outer = Shape.Product(0, ax), size = Shape.Dims[ax], inner = Shape.Product(ax + 1, Rank);
        var y = Clone();
        var ss = source.Span; var ys = y.Span;
        for (int o = 0; o < outer; o++)
            for (int r = 0; r < rows.Length; r++)
                Kernels.Elementwise.AddScaled(ss.Slice((o * rows.Length + r) * inner, inner), T.One, ys.Slice((o * size + rows[r]) * inner, inner));
        return Recording(this, source) ? Backward(y, this, source, ax, index) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> source, int axis, IndexTensor index) =>
            Record(y, "IndexAdd", [x, source], g => [g, source.RequiresGrad ? g.IndexSelect(axis, index) : null]);
    }

    private ReadOnlySpan<int> CheckIndexVector(string op, int axis, IndexTensor index)
    {
        if (index.Shape.Rank != 1) throw new ArgumentException($"{op}: the index must be 1-D, got shape {index.Shape}.");
        var rows = index.Span;
        int size = Shape.Dims[axis];
        for (int i = 0; i < rows.Length; i++)
            if ((uint)rows[i] >= (uint)size)
                throw new IndexOutOfRangeException($"{op}: index {rows[i]} at position {i} is out of range for dimension {axis} of shape {Shape} (size {size}).");
        return rows;
    }
}
