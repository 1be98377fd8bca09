using DeepLite.Kernels;

namespace DeepLite.Tensors;

/// <summary>
/// The dimensions of a tensor, outermost first (row-major, NCHW for images). Immutable.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape from its dimensions; every dimension must be non-negative.</summary>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        foreach (var d in dims)
        {
            if (d < 0) throw new ArgumentException($"Shape {Format(dims)} has a negative dimension.", nameof(dims));
        }
        _dims = (int[])dims.Clone();
    }

    /// <summary>Wraps <paramref name="dims"/> without copying: for arrays built here and never written again.</summary>
    internal static Shape Own(int[] dims)
    {
        foreach (var d in dims)
            if (d < 0) throw new ArgumentException($"Shape {Format(dims)} has a negative dimension.", nameof(dims));
        return new Shape(dims, owned: true);
    }

    private Shape(int[] dims, bool owned) => _dims = owned ? dims : (int[])dims.Clone();

    /// <summary>The scalar shape (rank 0, one element).</summary>
    public static Shape Scalar => new();

    /// <summary>Number of dimensions.</summary>
    public int Rank => _dims?.Length ?? 0;

    /// <summary>Number of elements (the product of the dimensions; 1 for a scalar).</summary>
    public int Size
    {
        get
        {
            long size = 1;
            if (_dims is null) return 1;
            foreach (var d in _dims) size *= d;
            if (size > Array.MaxLength) throw new InvalidOperationException($"Shape {this} has {size} elements, more than an array can hold.");
            return (int)size;
        }
    }

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end (-1 is the last).</summary>
    public int this[int axis] => Dims[NormalizeAxis(axis)];

    /// <summary>The dimensions as a read-only span.</summary>
    public ReadOnlySpan<int> Dims => _dims ?? [];

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>
    /// The row-major position of the element at <paramref name="indices"/> (one per dimension), or throws naming
    /// <paramref name="what"/> is indexed and the shape.
    /// </summary>
    internal int FlatIndex(ReadOnlySpan<int> indices, string what)
    {
        if (indices.Length != Rank) throw new ArgumentException($"Indexing {what} of shape {this} needs {Rank} indices, got {indices.Length}.");
        int flat = 0;
        for (int i = 0; i < Rank; i++)
        {
            if ((uint)indices[i] >= (uint)Dims[i])
                throw new IndexOutOfRangeException($"Index {indices[i]} is out of range for dimension {i} of shape {this}.");
            flat = flat * Dims[i] + indices[i];
        }
        return flat;
    }

    /// <summary>Maps a possibly negative axis to 0..Rank-1, or throws naming the shape.</summary>
    public int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this}.");
        return a;
    }

    /// <summary>
    /// <paramref name="shape"/> for <paramref name="size"/> elements with its one -1 (if any) inferred from the others, or throws
    /// naming <paramref name="op"/>, the requested shape and this shape.
    /// </summary>
    internal Shape Resolve(int[] shape, int size, string op)
    {
        var dims = (int[])shape.Clone();
        int infer = Array.IndexOf(dims, -1);
        if (infer >= 0)
        {
            if (Array.IndexOf(dims, -1, infer + 1) >= 0) throw new ArgumentException($"{op}: only one dimension of {Format(shape)} can be -1 (shape {this}).");
            int known = 1;
            for (int i = 0; i < dims.Length; i++) if (i != infer) known *= dims[i];
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"{op}: cannot infer the -1 in {Format(shape)} for {size} elements (shape {this}).");
            dims[infer] = size / known;
        }
        var target = new Shape(dims);
        if (target.Size != size)
            throw new ArgumentException($"{op}: shape {this} ({size} elements) cannot become {target} ({target.Size} elements).");
        return target;
    }

    /// <summary>Product of the dimensions in [start, end).</summary>
    public int Product(int start, int end)
    {
        int p = 1;
        for (int i = start; i < end; i++) p *= Dims[i];
        return p;
    }

    /// <summary>Row-major strides, in elements.</summary>
    public int[] Strides()
    {
        var s = new int[Rank];
        int acc = 1;
        for (int i = Rank - 1; i >= 0; i--) { s[i] = acc; acc *= Dims[i]; }
        return s;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);
    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }
    /// <summary>Equality of dimensions.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);
    /// <summary>Inequality of dimensions.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Formats as <c>[2, 3, 4]</c>.</summary>
    public override string ToString() => Format(Dims);

    internal static string Format(ReadOnlySpan<int> dims) => "[" + string.Join(", ", dims.ToArray()) + "]";

    /// <summary>Implicit conversion from an array of dimensions.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>
    /// The shape two operands broadcast to (NumPy rules: align at the right, a dimension of 1 stretches).
    /// </summary>
    public static Shape Broadcast(Shape a, Shape b, string op)
    {
        // The common cases (equal shapes, a bias or a scalar against a batch) need no new shape.
        if (a == b || Broadcasting.BroadcastsTo(b.Dims, a.Dims)) return a;
        if (Broadcasting.BroadcastsTo(a.Dims, b.Dims)) return b;
        int rank = Math.Max(a.Rank, b.Rank);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Rank) >= 0 ? a.Dims[i - (rank - a.Rank)] : 1;
            int db = i - (rank - b.Rank) >= 0 ? b.Dims[i - (rank - b.Rank)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i} of the result: {da} vs {db}).");
            dims[i] = da == 1 ? db : da;
        }
        return Own(dims);
    }
}
