using System.Numerics;

namespace DeepLite.Tensors;

/// <summary>
/// A tensor of booleans, what PyTorch calls a <c>BoolTensor</c>: the result of a comparison (<c>x.Gt(y)</c>, PyTorch's
/// <c>x &gt; y</c>) and the mask that <see cref="Tensor{T}.Where"/>, <see cref="Tensor{T}.MaskedFill"/> and
/// <see cref="Tensor{T}.ScaledDotProductAttention"/> take. Not differentiable and immutable; masks broadcast against
/// the tensors they select from, as NumPy's rules say.
/// </summary>
public sealed class BoolTensor : IEquatable<BoolTensor>
{
    private readonly bool[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as a tensor of <paramref name="shape"/>.</summary>
    internal BoolTensor(bool[] values, Shape shape)
    {
        if (values.Length != shape.Size) throw new ArgumentException($"BoolTensor: {values.Length} values for shape {shape}.");
        _values = values; Shape = shape;
    }

    /// <summary>A mask holding a copy of <paramref name="values"/> with the given shape (1-D when none is given).</summary>
    public static BoolTensor FromArray(bool[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = shape.Length == 0 ? new Shape(values.Length) : new Shape(shape);
        if (values.Length != s.Size) throw new ArgumentException($"{values.Length} values cannot fill a mask of shape {s} ({s.Size} elements).");
        return new BoolTensor((bool[])values.Clone(), s);
    }

    /// <summary>A mask of <paramref name="shape"/> with every element <paramref name="value"/>.</summary>
    public static BoolTensor Full(bool value, params int[] shape)
    {
        var s = new Shape(shape);
        var values = new bool[s.Size];
        if (value) values.AsSpan().Fill(true);
        return new BoolTensor(values, s);
    }

    /// <summary>
    /// The lower-triangular mask of [<paramref name="rows"/>, <paramref name="columns"/>]: true where column - row ≤
    /// <paramref name="diagonal"/> (PyTorch's <c>torch.tril(torch.ones(rows, columns, dtype=torch.bool), diagonal)</c>); the
    /// causal mask of attention is <c>Tril(t, t)</c>, true where a position may attend.
    /// </summary>
    public static BoolTensor Tril(int rows, int columns, int diagonal = 0) => Triangle(rows, columns, (i, j) => j - i <= diagonal);

    /// <summary>The upper-triangular mask: true where column - row ≥ <paramref name="diagonal"/> (PyTorch's <c>torch.triu</c> of ones).</summary>
    public static BoolTensor Triu(int rows, int columns, int diagonal = 0) => Triangle(rows, columns, (i, j) => j - i >= diagonal);

    private static BoolTensor Triangle(int rows, int columns, Func<int, int, bool> keep)
    {
        var s = new Shape(rows, columns);
        var values = new bool[s.Size];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++) values[i * columns + j] = keep(i, j);
        return new BoolTensor(values, s);
    }

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Size => _values.Length;

    /// <summary>The elements, row-major.</summary>
    public ReadOnlySpan<bool> Span => _values;

    /// <summary>A copy of the elements, row-major.</summary>
    public bool[] ToArray() => (bool[])_values.Clone();

    /// <summary>The element at the given indices (one per dimension).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public bool this[params int[] indices] => _values[Shape.FlatIndex(indices, "a mask")];

    /// <summary>The same elements with another shape (one dimension may be -1); a view.</summary>
    public BoolTensor Reshape(params int[] shape) => new(_values, Shape.Resolve(shape, Size, "Reshape"));

    /// <summary>Elementwise not (PyTorch's <c>~mask</c>).</summary>
    public BoolTensor Not() => new(_values.Select(v => !v).ToArray(), Shape);

    /// <summary>Elementwise and, broadcasting (PyTorch's <c>a &amp; b</c>).</summary>
    public BoolTensor And(BoolTensor other) => ZipWith(other, (a, b) => a && b, "And");

    /// <summary>Elementwise or, broadcasting (PyTorch's <c>a | b</c>).</summary>
    public BoolTensor Or(BoolTensor other) => ZipWith(other, (a, b) => a || b, "Or");

    /// <summary>Elementwise not.</summary>
    public static BoolTensor operator !(BoolTensor mask) => mask.Not();
    /// <summary>Elementwise and, broadcasting.</summary>
    public static BoolTensor operator &(BoolTensor a, BoolTensor b) => a.And(b);
    /// <summary>Elementwise or, broadcasting.</summary>
    public static BoolTensor operator |(BoolTensor a, BoolTensor b) => a.Or(b);

    /// <summary>Whether any element is true (PyTorch's <c>any()</c>).</summary>
    public bool Any() => _values.AsSpan().Contains(true);

    /// <summary>Whether every element is true (PyTorch's <c>all()</c>).</summary>
    public bool All() => !_values.AsSpan().Contains(false);

    /// <summary>The number of true elements (PyTorch's <c>mask.sum()</c>).</summary>
    public int Count() => _values.Count(v => v);

    /// <summary>The mask as numbers, 1 where true and 0 where false (PyTorch's <c>mask.float()</c>).</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = Tensor<T>.Unpooled(Shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = _values[i] ? T.One : T.Zero;
        return t;
    }

    /// <summary>The elements broadcast to <paramref name="target"/> (a copy unless the shapes are equal).</summary>
    internal ReadOnlySpan<bool> BroadcastTo(Shape target, string op)
    {
        if (target == Shape) return _values;
        if (!Kernels.Broadcasting.BroadcastsTo(Shape.Dims, target.Dims))
            throw new ArgumentException($"{op}: a mask of shape {Shape} does not broadcast to shape {target}.");
        var strides = Kernels.Broadcasting.StridesIn(Shape.Dims, target.Dims);
        var result = new bool[target.Size];
        var index = new int[target.Rank];
        for (int i = 0, src = 0; i < result.Length; i++)
        {
            result[i] = _values[src];
            for (int d = target.Rank - 1; d >= 0; d--)
            {
                index[d]++; src += strides[d];
                if (index[d] < target.Dims[d]) break;
                src -= strides[d] * target.Dims[d]; index[d] = 0;
            }
        }
        return result;
    }

    private BoolTensor ZipWith(BoolTensor other, Func<bool, bool, bool> f, string op)
    {
        ArgumentNullException.ThrowIfNull(other);
        var shape = Shape.Broadcast(Shape, other.Shape, op);
        var a = BroadcastTo(shape, op); var b = other.BroadcastTo(shape, op);
        var values = new bool[shape.Size];
        for (int i = 0; i < values.Length; i++) values[i] = f(a[i], b[i]);
        return new BoolTensor(values, shape);
    }

    /// <inheritdoc/>
    public bool Equals(BoolTensor? other) => other is not null && Shape == other.Shape && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as BoolTensor);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Shape, Count());

    /// <inheritdoc/>
    public override string ToString() => $"BoolTensor {Shape} [{string.Join(", ", _values.Take(16).Select(v => v ? "True" : "False"))}{(Size > 16 ? ", ..." : "")}]";
}
