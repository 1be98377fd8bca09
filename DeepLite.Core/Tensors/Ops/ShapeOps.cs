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
        var dims = (int[])shape.Clone();
        int infer = Array.IndexOf(dims, -1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < dims.Length; i++) if (i != infer) known *= dims[i];
            if (known == 0 || Size % known != 0)
                throw new ArgumentException($"Reshape: cannot infer the -1 in {Shape.Format(shape)} for {Size} elements (shape {Shape}).");
            dims[infer] = Size / known;
        }
        var target = new Shape(dims);
        if (target.Size != Size)
            throw new ArgumentException($"Reshape: shape {Shape} ({Size} elements) cannot become {target} ({target.Size} elements).");
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
        var y = new Tensor<T>(new Shape(dims));
        var srcStrides = Shape.Strides();
        var stride = permutation.Select(p => srcStrides[p]).ToArray();
        var idx = new int[Rank];
        var xs = Span; var ys = y.Span;
        int src = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            ys[i] = xs[src];
            for (int d = Rank - 1; d >= 0; d--)
            {
                idx[d]++; src += stride[d];
                if (idx[d] < dims[d]) break;
                src -= stride[d] * dims[d]; idx[d] = 0;
            }
        }
        var inverse = new int[Rank];
        for (int i = 0; i < Rank; i++) inverse[permutation[i]] = i;
        return Recording(x) ? Backward(y, x, inverse) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] inverse) => Record(y, "Permute", [x], g => [g.Permute(inverse)]);
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
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int start) => Record(y, "SliceBatch", [x], g => [g.NarrowAdjoint(0, start, x.Shape)]);
    }
}
