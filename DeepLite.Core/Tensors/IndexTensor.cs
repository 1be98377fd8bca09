namespace DeepLite.Tensors;

/// <summary>
/// A tensor of integer indices, what PyTorch returns as a <c>LongTensor</c> from <c>argmax</c>, <c>max(dim)</c> and
/// <c>max_pool2d(return_indices=True)</c>: a shape and its elements in row-major order. Not differentiable and
/// immutable; <see cref="ToArray"/> copies the elements out.
/// </summary>
public sealed class IndexTensor : IEquatable<IndexTensor>
{
    private readonly int[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as a tensor of <paramref name="shape"/>.</summary>
    internal IndexTensor(int[] values, Shape shape)
    {
        if (values.Length != shape.Size) throw new ArgumentException($"IndexTensor: {values.Length} values for shape {shape}.");
        _values = values; Shape = shape;
    }

    /// <summary>
    /// An index tensor holding a copy of <paramref name="values"/> with the given shape (1-D when none is given): PyTorch's
    /// <c>torch.tensor(values, dtype=torch.long)</c>, for <see cref="Tensor{T}.Gather"/>, <see cref="Tensor{T}.IndexSelect"/>
    /// and <see cref="Layers.Embedding{T}"/>.
    /// </summary>
    public static IndexTensor FromArray(int[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var s = shape.Length == 0 ? new Shape(values.Length) : new Shape(shape);
        if (values.Length != s.Size) throw new ArgumentException($"{values.Length} values cannot fill an index tensor of shape {s} ({s.Size} elements).");
        return new IndexTensor((int[])values.Clone(), s);
    }

    /// <summary>0, 1, ..., <paramref name="count"/> - 1 (PyTorch's <c>torch.arange(count)</c>).</summary>
    public static IndexTensor Arange(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new IndexTensor(Enumerable.Range(0, count).ToArray(), new Shape(count));
    }

    /// <summary>
    /// The indices a tensor holds as whole numbers (what a <see cref="Layers.Sequential{T}"/> passes to a layer that takes
    /// indices); anything else is refused, naming <paramref name="who"/>, the element and the shape.
    /// </summary>
    internal static IndexTensor FromWholeNumbers<T>(Tensor<T> input, string who) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        var s = input.Span;
        var values = new int[s.Length];
        for (int i = 0; i < s.Length; i++)
            values[i] = T.IsInteger(s[i]) ? int.CreateSaturating(s[i]) : throw new ArgumentException($"{who}: element {i} of the input of shape {input.Shape} is {s[i]}, not an index.");
        return new IndexTensor(values, input.Shape) { Source = input };
    }

    /// <summary>
    /// The tensor whose elements these indices were read from (<see cref="FromWholeNumbers"/>), kept through
    /// <see cref="Reshape"/>, so that a traced graph (the ONNX exporter) knows indices that come from the model's input
    /// from constant ones; null for indices made otherwise.
    /// </summary>
    internal object? Source { get; private init; }

    /// <summary>The same elements with another shape (one dimension may be -1); shares the elements.</summary>
    public IndexTensor Reshape(params int[] shape) => new(_values, Shape.Resolve(shape, Size, "Reshape")) { Source = Source };

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Size => _values.Length;

    /// <summary>The elements, row-major.</summary>
    public ReadOnlySpan<int> Span => _values;

    /// <summary>A copy of the elements, row-major.</summary>
    public int[] ToArray() => (int[])_values.Clone();

    /// <summary>
    /// 0.1.0's <c>int[] labels = x.ArgMax(1)</c>, which returned an array: the elements as a new array. Kept for the
    /// 0.2 releases; removed in 0.3.0.
    /// </summary>
    [Obsolete("ArgMax returns an IndexTensor: call .ToArray() for an int[] (the conversion is removed in 0.3.0).")]
    public static implicit operator int[](IndexTensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return indices.ToArray();
    }

    /// <summary>The element at the given indices (one per dimension).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public int this[params int[] indices] => _values[Shape.FlatIndex(indices, "an index tensor")];

    /// <summary>The value of a one-element index tensor (PyTorch's <c>item()</c>).</summary>
    public int Item() => Size == 1 ? _values[0] : throw new InvalidOperationException($"Item() needs one element, this index tensor has shape {Shape}.");

    /// <inheritdoc/>
    public bool Equals(IndexTensor? other) => other is not null && Shape == other.Shape && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as IndexTensor);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Shape, _values.Length > 0 ? _values[0] : 0);

    /// <inheritdoc/>
    public override string ToString() => $"IndexTensor {Shape} [{string.Join(", ", _values.Take(16))}{(Size > 16 ? ", ..." : "")}]";
}
