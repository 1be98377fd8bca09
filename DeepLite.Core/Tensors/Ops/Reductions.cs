using DeepLite.Kernels;
using System.Runtime.CompilerServices;

namespace DeepLite.Tensors;

// Sums, means and maxima. SumTo and BroadcastTo are each other's adjoints.
public sealed partial class Tensor<T>
{
    /// <summary>Sum of all elements (a scalar).</summary>
    public Tensor<T> Sum()
    {
        var y = Scalar(Elementwise.Sum<T>(Span));
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Sum", [x], g => [g.BroadcastTo(x.Shape)]);
    }

    /// <summary>Sum over <paramref name="axes"/> (negative axes count from the end).</summary>
    public Tensor<T> Sum(int[] axes, bool keepDims = false)
    {
        var kept = KeptShape(axes, "Sum");
        var y = SumTo(kept);
        return keepDims ? y : y.Reshape(DroppedShape(axes));
    }

    /// <summary>Sum over one axis.</summary>
    public Tensor<T> Sum(int axis, bool keepDims = false) => Sum([axis], keepDims);

    /// <summary>Mean of all elements.</summary>
    public Tensor<T> Mean() => Sum().MultiplyScalar(T.One / T.CreateChecked(Math.Max(1, Size)));

    /// <summary>Mean over <paramref name="axes"/>.</summary>
    public Tensor<T> Mean(int[] axes, bool keepDims = false)
    {
        int count = 1;
        foreach (var a in axes.Select(Shape.NormalizeAxis).Distinct()) count *= Shape.Dims[a];
        return Sum(axes, keepDims).MultiplyScalar(T.One / T.CreateChecked(Math.Max(1, count)));
    }

    /// <summary>Mean over one axis.</summary>
    public Tensor<T> Mean(int axis, bool keepDims = false) => Mean([axis], keepDims);

    /// <summary>Sums over the dimensions where <paramref name="target"/> is 1 or missing, giving <paramref name="target"/>'s shape.</summary>
    public Tensor<T> SumTo(Shape target)
    {
        if (target == Shape) return this;
        if (!Broadcasting.BroadcastsTo(target.Dims, Shape.Dims))
            throw new ArgumentException($"SumTo: shape {Shape} cannot be summed to {target}.");
        var y = new Tensor<T>(target);
        Broadcasting.SumTo(Span, Shape.Dims, y.Span, target.Dims);
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "SumTo", [x], g => [g.BroadcastTo(x.Shape)]);
    }

    /// <summary>Repeats this tensor along dimensions of size 1 (and new leading ones) to fill <paramref name="target"/>.</summary>
    public Tensor<T> BroadcastTo(Shape target)
    {
        if (target == Shape) return this;
        if (!Broadcasting.BroadcastsTo(Shape.Dims, target.Dims))
            throw new ArgumentException($"BroadcastTo: shape {Shape} cannot be broadcast to {target}.");
        var y = Uninitialized(target); // every element written
        Broadcasting.BroadcastTo(Span, Shape.Dims, y.Span, target.Dims);
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "BroadcastTo", [x], g => [g.SumTo(x.Shape)]);
    }

    /// <summary>Maximum over <paramref name="axis"/>; the gradient goes to the first maximal element.</summary>
    public Tensor<T> Max(int axis, bool keepDims = false)
    {
        int ax = Shape.NormalizeAxis(axis);
        var arg = ArgMaxIndices(ax);
        var y = PickAlong(arg, ax);
        var shaped = keepDims ? y : y.Reshape(DroppedShape([ax]));
        return shaped;
    }

    /// <summary>The maximum of all elements, a rank-0 tensor (PyTorch's <c>x.max()</c>); the gradient goes to the first maximal element.</summary>
    public Tensor<T> Max() => Reshape(-1).Max(0);

    /// <summary>
    /// The maxima over <paramref name="axis"/> and where they are (PyTorch's <c>torch.max(x, dim, keepdim)</c>): the values
    /// as <see cref="Max(int, bool)"/> gives them, and the index along the axis of each as <see cref="ArgMax(int, bool)"/>
    /// gives it, both of the same shape.
    /// </summary>
    public (Tensor<T> Values, IndexTensor Indices) MaxWithIndices(int axis, bool keepDims = false) => (Max(axis, keepDims), ArgMax(axis, keepDims));

    /// <summary>
    /// Index of the first maximum along <paramref name="axis"/> for every position of the other axes (PyTorch's
    /// <c>x.argmax(dim, keepdim)</c>), shaped as <see cref="Max(int, bool)"/>'s result. NaN counts as larger than any number.
    /// </summary>
    public IndexTensor ArgMax(int axis, bool keepDims = false)
    {
        int ax = Shape.NormalizeAxis(axis);
        var dims = Shape.ToArray(); dims[ax] = 1;
        return new IndexTensor(ArgMaxIndices(ax), keepDims ? new Shape(dims) : DroppedShape([ax]));
    }

    /// <summary>Index of the first maximum of all elements, row-major (PyTorch's <c>x.argmax()</c>); NaN counts as largest.</summary>
    public int ArgMax() => Size == 0 ? throw new InvalidOperationException($"ArgMax of an empty tensor of shape {Shape}.") : Reshape(-1).ArgMaxIndices(0)[0];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int[] ArgMaxIndices(int axis)
    {
        int ax = Shape.NormalizeAxis(axis);
        int outer = Shape.Product(0, ax), len = Shape.Dims[ax], inner = Shape.Product(ax + 1, Rank);
        if (len == 0) throw new InvalidOperationException($"ArgMax over an empty axis {axis} of shape {Shape}.");
        var result = new int[outer * inner];
        var s = Span;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                T bestValue = s[o * len * inner + i];
                for (int k = 1; k < len && !T.IsNaN(bestValue); k++)
                {
                    T v = s[(o * len + k) * inner + i];
                    if (v > bestValue || T.IsNaN(v)) { best = k; bestValue = v; }
                }
                result[o * inner + i] = best;
            }
        return result;
    }

    /// <summary>Picks one element along <paramref name="axis"/> per position (keeps the axis with size 1).</summary>
    internal Tensor<T> PickAlong(int[] indices, int axis)
    {
        var x = this;
        int outer = Shape.Product(0, axis), len = Shape.Dims[axis], inner = Shape.Product(axis + 1, Rank);
        var dims = Shape.ToArray(); dims[axis] = 1;
        var y = new Tensor<T>(new Shape(dims));
        var xs = Span; var ys = y.Span;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                ys[o * inner + i] = xs[(o * len + indices[o * inner + i]) * inner + i];
        return Recording(x) ? Backward(y, x, indices, axis) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] indices, int axis) => Record(y, "PickAlong", [x], g => [g.PlaceAlong(indices, axis, x.Shape)]);
    }

    /// <summary>The adjoint of <see cref="PickAlong"/>: places each value at its index, zeros elsewhere.</summary>
    internal Tensor<T> PlaceAlong(int[] indices, int axis, Shape full)
    {
        var x = this;
        int outer = full.Product(0, axis), len = full.Dims[axis], inner = full.Product(axis + 1, full.Rank);
        var y = new Tensor<T>(full);
        var xs = Span; var ys = y.Span;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
                ys[(o * len + indices[o * inner + i]) * inner + i] = xs[o * inner + i];
        return Recording(x) ? Backward(y, x, indices, axis) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, int[] indices, int axis) => Record(y, "PlaceAlong", [x], g => [g.PickAlong(indices, axis)]);
    }

    private Shape KeptShape(int[] axes, string op)
    {
        if (axes.Length == 0) throw new ArgumentException($"{op}: no axes given for shape {Shape}.");
        var dims = Shape.ToArray();
        foreach (var a in axes) dims[Shape.NormalizeAxis(a)] = 1;
        return new Shape(dims);
    }

    private Shape DroppedShape(int[] axes)
    {
        var drop = axes.Select(Shape.NormalizeAxis).ToHashSet();
        return new Shape(Enumerable.Range(0, Rank).Where(i => !drop.Contains(i)).Select(i => Shape.Dims[i]).ToArray());
    }
}
