namespace DeepLite.Tensors;

// Shape operations. Reshape, Flatten and SliceBatch are views (no copy); Transpose copies.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// The same elements with another shape (a view sharing memory). One dimension may be -1,
    /// inferred from the others.
    /// </summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        var target = Shape.Resolve(shape, Size, "Reshape");
        if (target == Shape) return this;
        var y = new Tensor<T>(target, this, Offset);
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Reshape", [x], g => [g.Reshape(x.Shape.ToArray())]);
    }

    /// <summary>Reshape to a <see cref="Tensors.Shape"/>.</summary>
    public Tensor<T> Reshape(Shape shape) => Reshape(shape.ToArray());

    /// <summary>Keeps the first (batch) dimension and flattens the rest: [N, C, H, W] becomes [N, C*H*W]. A view.</summary>
    public Tensor<T> Flatten()
    {
        if (Rank < 1) throw new InvalidOperationException($"Flatten needs at least one dimension, got shape {Shape}.");
        return Reshape(Shape.Dims[0], Shape.Product(1, Rank));
    }

    /// <summary>Swaps the last two dimensions (a copy).</summary>
    public Tensor<T> Transpose()
    {
        if (Rank < 2) throw new InvalidOperationException($"Transpose needs at least two dimensions, got shape {Shape}.");
        var perm = Enumerable.Range(0, Rank).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        return Permute(perm);
    }

    /// <summary>Reorders the dimensions: result dimension i is this tensor's dimension <c>permutation[i]</c> (a copy).</summary>
    public Tensor<T> Permute(params int[] permutation)
    {
        if (permutation.Length != Rank || permutation.Order().Where((p, i) => p != i).Any())
            throw new ArgumentException($"Permute: {Shape.Format(permutation)} is not a permutation of the {Rank} dimensions of shape {Shape}.");
        var x = this;
        var dims = permutation.Select(p => Shape.Dims[p]).ToArray();
        var y = Uninitialized(new Shape(dims)); // every element written
        var srcStrides = Shape.Strides();
        var stride = permutation.Select(p => srcStrides[p]).ToArray();
        var xs = Span; var ys = y.Span;
        // With the last dimension kept last (attention's head split and join), whole rows move: one block copy each.
        int row = permutation[^1] == Rank - 1 ? dims[^1] : 1, walked = row > 1 ? Rank - 1 : Rank;
        var idx = new int[Rank];
        int src = 0;
        for (int i = 0; i < ys.Length; i += row)
        {
            if (row > 1) xs.Slice(src, row).CopyTo(ys.Slice(i, row));
            else ys[i] = xs[src];
            for (int d = walked - 1; d >= 0; d--)
            {
                idx[d]++; src += stride[d];
                if (idx[d] < dims[d]) break;
                src -= stride[d] * dims[d]; idx[d] = 0;
            }
        }
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[permutation[i]] = i;
        return Recording(x) ? Backward(y, x, inverse) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] inverse) => Record(y, "Permute", [x], g => [g.Permute(inverse)], new PermuteAttributes(inverse));
    }

    /// <summary>Rows <paramref name="start"/> .. start+count-1 of the first dimension (a view sharing memory).</summary>
    public Tensor<T> SliceBatch(int start, int count)
    {
        if (Rank < 1) throw new InvalidOperationException($"SliceBatch needs at least one dimension, got shape {Shape}.");
        int n = Shape.Dims[0];
        if (start < 0 || count < 0 || start + count > n)
            throw new ArgumentOutOfRangeException(nameof(start), $"SliceBatch({start}, {count}) is out of range for shape {Shape}.");
        var dims = Shape.ToArray(); dims[0] = count;
        int row = Shape.Product(1, Rank);
        var y = new Tensor<T>(new Shape(dims), this, Offset + start * row);
        return Recording(this) ? Backward(y, this, start) : y;
        // A view of rows is Narrow on axis 0 without the copy: its adjoint is Narrow's.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int start) => Record(y, "SliceBatch", [x], g => [g.NarrowAdjoint(0, start, x.Shape)], new AxisAttributes(0, start));
    }

    /// <summary>
    /// This tensor without its dimension <paramref name="axis"/> if that dimension is 1 (PyTorch's <c>x.squeeze(dim)</c>,
    /// which leaves other sizes alone); a view.
    /// </summary>
    public Tensor<T> Squeeze(int axis)
    {
        int ax = Shape.NormalizeAxis(axis);
        return Shape.Dims[ax] != 1 ? this : Reshape(DroppedShape([ax]));
    }

    /// <summary>This tensor without any of its dimensions of size 1 (PyTorch's <c>x.squeeze()</c>); a view.</summary>
    public Tensor<T> Squeeze()
    {
        var dims = Shape.ToArray().Where(d => d != 1).ToArray();
        return dims.Length == Rank ? this : Reshape(dims);
    }

    /// <summary>
    /// This tensor with a dimension of size 1 inserted at <paramref name="axis"/> (PyTorch's <c>x.unsqueeze(dim)</c>; -1
    /// appends one, as axis counts in the result's rank + 1 positions); a view.
    /// </summary>
    public Tensor<T> Unsqueeze(int axis)
    {
        int ax = axis < 0 ? axis + Rank + 1 : axis;
        if (ax < 0 || ax > Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Unsqueeze: axis {axis} is out of range for shape {Shape} (from {-Rank - 1} to {Rank}).");
        var dims = Shape.ToArray().ToList();
        dims.Insert(ax, 1);
        return Reshape([.. dims]);
    }

    /// <summary>
    /// The tensors, all of one shape, joined along a new dimension <paramref name="axis"/> (PyTorch's
    /// <c>torch.stack(tensors, dim)</c>); a copy.
    /// </summary>
    public static Tensor<T> Stack(IReadOnlyList<Tensor<T>> tensors, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor.");
        var first = tensors[0].Shape;
        foreach (var t in tensors)
            if (t.Shape != first) throw new ArgumentException($"Stack: every tensor must have one shape, got {string.Join(", ", tensors.Select(x => x.Shape))}.");
        int ax = axis < 0 ? axis + first.Rank + 1 : axis;
        return Concat(tensors.Select(t => t.Unsqueeze(ax)).ToList(), ax);
    }

    /// <summary>
    /// This tensor cut along <paramref name="axis"/> into pieces of <paramref name="splitSize"/> (the last one shorter when
    /// the size does not divide; PyTorch's <c>x.split(split_size, dim)</c>); copies.
    /// </summary>
    public Tensor<T>[] Split(int splitSize, int axis = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(splitSize, 1);
        int ax = Shape.NormalizeAxis(axis), size = Shape.Dims[ax];
        var sizes = new List<int>();
        for (int at = 0; at < size; at += splitSize) sizes.Add(Math.Min(splitSize, size - at));
        if (sizes.Count == 0) sizes.Add(0);
        return Split([.. sizes], ax);
    }

    /// <summary>This tensor cut along <paramref name="axis"/> into pieces of the given sizes, which must add up to its size there (PyTorch's <c>x.split([sizes], dim)</c>).</summary>
    public Tensor<T>[] Split(int[] sizes, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        int ax = Shape.NormalizeAxis(axis);
        if (sizes.Any(s => s < 0) || sizes.Sum() != Shape.Dims[ax])
            throw new ArgumentException($"Split: sizes {Shape.Format(sizes)} do not add up to {Shape.Dims[ax]}, dimension {ax} of shape {Shape}.");
        var pieces = new Tensor<T>[sizes.Length];
        for (int i = 0, at = 0; i < sizes.Length; at += sizes[i], i++) pieces[i] = Narrow(ax, at, sizes[i]);
        return pieces;
    }

    /// <summary>
    /// This tensor cut along <paramref name="axis"/> into <paramref name="chunks"/> pieces of ⌈size / chunks⌉ (PyTorch's
    /// <c>x.chunk(chunks, dim)</c>: fewer pieces when the last would be empty); copies.
    /// </summary>
    public Tensor<T>[] Chunk(int chunks, int axis = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        int size = Shape.Dims[Shape.NormalizeAxis(axis)];
        return Split(Math.Max(1, (size + chunks - 1) / chunks), axis);
    }
}
