using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

// A block of one axis (Narrow), its adjoint (the block placed in zeros) and concatenation along an axis, whose
// backward narrows the gradient back into the pieces. All three copy.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Elements <paramref name="start"/> .. start + <paramref name="length"/> - 1 of <paramref name="axis"/>, every
    /// other axis whole (PyTorch's <c>x.narrow(dim, start, length)</c>, <c>x[:, start:start + length]</c>); a copy.
    /// </summary>
    public Tensor<T> Narrow(int axis, int start, int length)
    {
        int ax = Shape.NormalizeAxis(axis), size = Shape.Dims[ax];
        if (start < 0 || length < 0 || start + length > size)
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow({axis}, {start}, {length}) is out of range for axis {ax} of shape {Shape} (size {size}).");
        var dims = Shape.ToArray(); dims[ax] = length;
        var y = Uninitialized(new Shape(dims)); // every element written
        int outer = Shape.Product(0, ax), inner = Shape.Product(ax + 1, Rank);
        if (y.Size > 0) BlockCopy.Copy<T>(Span[(start * inner)..], size * inner, y.Span, length * inner, length * inner, outer);
        return Recording(this) ? Backward(y, this, ax, start) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int axis, int start) => Record(y, "Narrow", [x], g => [g.NarrowAdjoint(axis, start, x.Shape)], new AxisAttributes(axis, start));
    }

    /// <summary>The adjoint of <see cref="Narrow"/>: this tensor at <paramref name="start"/> of <paramref name="axis"/> in zeros of <paramref name="shape"/>.</summary>
    private Tensor<T> NarrowAdjoint(int axis, int start, Shape shape)
    {
        var y = new Tensor<T>(shape);
        int outer = shape.Product(0, axis), inner = shape.Product(axis + 1, shape.Rank), length = Shape.Dims[axis];
        if (Size > 0) BlockCopy.Copy<T>(Span, length * inner, y.Span[(start * inner)..], shape.Dims[axis] * inner, length * inner, outer);
        return Recording(this) ? Backward(y, this, axis, start, length) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int axis, int start, int length) =>
            Record(y, "NarrowAdjoint", [x], g => [g.Narrow(axis, start, length)]);
    }

    /// <summary>
    /// The tensors joined along <paramref name="axis"/> (PyTorch's <c>torch.cat(tensors, dim)</c>): every other axis must
    /// match; a copy.
    /// </summary>
    public static Tensor<T> Concat(IReadOnlyList<Tensor<T>> tensors, int axis)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Concat needs at least one tensor.");
        var first = tensors[0].Shape;
        int ax = first.NormalizeAxis(axis), total = 0;
        foreach (var t in tensors)
        {
            bool matches = t.Rank == first.Rank;
            for (int d = 0; matches && d < first.Rank; d++) matches = d == ax || t.Shape.Dims[d] == first.Dims[d];
            if (!matches) throw new ArgumentException($"Concat along axis {ax}: shapes {string.Join(", ", tensors.Select(x => x.Shape))} differ on another axis.");
            total += t.Shape.Dims[ax];
        }
        var dims = first.ToArray(); dims[ax] = total;
        var y = Uninitialized(new Shape(dims)); // every element written: the pieces tile the axis
        int outer = first.Product(0, ax), inner = first.Product(ax + 1, first.Rank), at = 0;
        foreach (var t in tensors)
        {
            int length = t.Shape.Dims[ax];
            if (t.Size > 0) BlockCopy.Copy<T>(t.Span, length * inner, y.Span[(at * inner)..], total * inner, length * inner, outer);
            at += length;
        }
        return GradMode.IsEnabled && tensors.Any(t => t.RequiresGrad) ? Backward(y, [.. tensors], ax) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T>[] parts, int axis) => Record(y, "Concat", parts, g =>
        {
            var grads = new Tensor<T>?[parts.Length];
            for (int i = 0, at = 0; i < parts.Length; at += parts[i].Shape.Dims[axis], i++)
                if (parts[i].RequiresGrad) grads[i] = g.Narrow(axis, at, parts[i].Shape.Dims[axis]);
            return grads;
        }, new AxisAttributes(axis));
    }
}
