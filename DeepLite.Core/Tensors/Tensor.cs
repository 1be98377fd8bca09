using System.Numerics;
using System.Text;
using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

/// <summary>
/// An n-dimensional, contiguous, row-major tensor of <c>float</c> or <c>double</c> that records
/// the operations applied to it for reverse-mode automatic differentiation.
/// </summary>
/// <remarks>
/// Copy semantics: <see cref="Reshape(int[])"/>, <see cref="Flatten"/> and <see cref="SliceBatch"/> return
/// views that share this tensor's memory (writing through one shows in the other);
/// every other operation, <see cref="Transpose"/> included, returns a new tensor with its own memory.
/// Tensors need no disposal: their memory belongs to the garbage collector.
/// </remarks>
public sealed partial class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static Tensor()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new NotSupportedException($"Tensor<{typeof(T).Name}> is not supported: DeepLite tensors hold float or double.");
    }

    private readonly T[] _buffer;
    private readonly BufferLease _lease;
    private readonly long _scopeId;
    internal readonly int Offset;
    internal GradNode<T>? Node;
    private bool _requiresGrad;

    /// <summary>A tensor on an array that does not come from the pool (it lives as long as the tensor).</summary>
    internal Tensor(Shape shape, T[] buffer, int offset = 0) : this(shape, buffer, offset, BufferLease.Unpooled, 0) { }

    /// <summary>A view: <paramref name="shape"/> over <paramref name="source"/>'s memory from <paramref name="offset"/>, valid as long as the source is.</summary>
    internal Tensor(Shape shape, Tensor<T> source, int offset) : this(shape, source.Buffer, offset, source._lease, source._scopeId) { }

    private Tensor(Shape shape, T[] buffer, int offset, BufferLease lease, long scopeId)
    {
        if (offset < 0 || offset + shape.Size > buffer.Length)
            throw new ArgumentException($"A buffer of {buffer.Length} elements (offset {offset}) cannot hold a tensor of shape {shape}.");
        Shape = shape;
        _buffer = buffer;
        Offset = offset;
        _lease = lease;
        _scopeId = scopeId;
    }

    private Tensor(Shape shape, (T[] Array, BufferLease Lease, long ScopeId) rented) : this(shape, rented.Array, 0, rented.Lease, rented.ScopeId) { }

    /// <summary>Creates a zero-filled tensor of the given shape (its memory is pooled inside a <see cref="TensorPool"/> scope).</summary>
    public Tensor(Shape shape) : this(shape, TensorPool.Rent<T>(shape.Size))
    {
        if (Size < SplitThresholds.ZeroFillElements) Elementwise.Zero(Span);
        else FillElements(T.Zero);
    }

    /// <summary>
    /// A tensor whose elements are left as the allocator found them, for kernels that overwrite every
    /// element: skipping the zero fill matters for the hundreds of megabytes a conv layer's batch can take.
    /// </summary>
    internal static Tensor<T> Uninitialized(Shape shape) => new(shape, TensorPool.Rent<T>(shape.Size));

    /// <summary>A zero-filled tensor that never comes from the pool, for memory that lives across steps (data loader batches, state).</summary>
    internal static Tensor<T> Unpooled(Shape shape) => new(shape, Allocation.Array<T>(shape.Size, "a tensor", zeroed: true));

    /// <summary>
    /// The array holding the elements from <see cref="Offset"/> (it may be longer than <see cref="Size"/>).
    /// Throws when the tensor's pooled memory went back to the pool: one compare per access.
    /// </summary>
    internal T[] Buffer
    {
        get
        {
            if (_lease.ScopeId != _scopeId) ThrowReturned();
            return _buffer;
        }
    }

    /// <summary>True while the tensor's memory is its own: always outside a pool scope, until its scope ends inside one.</summary>
    public bool IsValid => _lease.ScopeId == _scopeId;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void ThrowReturned()
    {
        string made = Node is { } node ? $"made by '{node.Op}'" : "made by an op that did not record (a leaf, or no grad)";
        throw new InvalidOperationException(
            $"This tensor (shape {Shape}, {made}) was created inside TensorPool scope #{_scopeId}, which has ended: its memory went back to the pool " +
            "and may now hold another step's values. Read what you need inside the scope (loss.Item()), or Clone() the tensor before the scope ends.");
    }

    /// <summary>The tensor's dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Size => Shape.Size;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The elements in row-major order. Writing through it bypasses autograd.</summary>
    public Span<T> Span => Buffer.AsSpan(Offset, Shape.Size);

    /// <summary>
    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs you differentiate by);
    /// results of operations on such tensors require grad automatically.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!value && Node is not null)
                throw new InvalidOperationException($"Cannot clear RequiresGrad on the result of '{Node.Op}': call Detach() instead.");
            _requiresGrad = value;
        }
    }

    /// <summary>The gradient this tensor has received so far in the backward walk in progress (null outside one).</summary>
    internal Tensor<T>? WalkGrad;

    private Tensor<T>? _grad;
    private bool _gradIsZero;

    /// <summary>The gradient accumulated by <see cref="Backward"/>, or null before the first backward pass.</summary>
    public Tensor<T>? Grad
    {
        get
        {
            // ZeroGrad defers the clearing: the next backward pass overwrites instead of adding, so a
            // training step never writes zeros only to add to them; someone reading first gets real zeros.
            if (_gradIsZero) { _gradIsZero = false; Elementwise.Zero(_grad!.Span); }
            return _grad;
        }
        set { _grad = value; _gradIsZero = false; }
    }

    /// <summary>Adds <paramref name="gradient"/> into <see cref="Grad"/> in place (a copy when it is null or zeroed); both cores for large tensors.</summary>
    internal void AccumulateGrad(Tensor<T> gradient)
    {
        if (_grad is null) { _grad = gradient.Clone(); return; }
        bool overwrite = _gradIsZero;
        _gradIsZero = false;
        WorkerPool.ForElements(Size, SplitThresholds.GradientAccumulationElements, new Combine(gradient.Buffer, gradient.Offset, _grad.Buffer, _grad.Offset, overwrite));
    }

    /// <summary>dst = src (overwrite) or dst += src over [start, end), as a struct body.</summary>
    private readonly struct Combine(T[] src, int srcOffset, T[] dst, int dstOffset, bool overwrite) : WorkerPool.IRange
    {
        public void Run(int start, int end)
        {
            var from = src.AsSpan(srcOffset + start, end - start);
            var to = dst.AsSpan(dstOffset + start, end - start);
            if (overwrite) from.CopyTo(to);
            else Elementwise.Map<T, AddOperator<T>>(to, from, to);
        }
    }

    /// <summary>True for tensors not produced by a recorded operation (parameters, inputs, constants).</summary>
    public bool IsLeaf => Node is null;

    /// <summary>The name of the operation that produced this tensor, or null for a leaf.</summary>
    public string? GradFunction => Node?.Op;

    /// <summary>Element at the given indices (one per dimension).</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public T this[params int[] indices]
    {
        get => Buffer[Offset + Shape.FlatIndex(indices, "a tensor")];
        set => Buffer[Offset + Shape.FlatIndex(indices, "a tensor")] = value;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item()
    {
        if (Size != 1) throw new InvalidOperationException($"Item() needs a tensor with one element, this one has shape {Shape}.");
        return Buffer[Offset];
    }

    /// <summary>A copy of the elements in row-major order.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>A new tensor with a copy of the data, no gradient history and RequiresGrad false.</summary>
    public Tensor<T> Clone() => new(Shape, Copy(Span));

    /// <summary>A tensor sharing this one's memory but cut from the graph (no gradient flows through it).</summary>
    public Tensor<T> Detach() => new(Shape, this, Offset);

    /// <summary>Copies <paramref name="source"/>'s elements into this tensor (same shape), outside autograd.</summary>
    public void CopyFrom(Tensor<T> source)
    {
        if (source.Shape != Shape) throw new ArgumentException($"CopyFrom: source shape {source.Shape} differs from target shape {Shape}.");
        source.Span.CopyTo(Span);
    }

    /// <summary>Sets every element to <paramref name="value"/>, outside autograd.</summary>
    public void Fill(T value) => FillElements(value);

    /// <summary>
    /// Resets the accumulated gradient to zero, keeping its memory for the next backward pass (as PyTorch's
    /// <c>zero_grad(set_to_none=False)</c>); a gradient that is itself part of a graph is dropped instead.
    /// </summary>
    public void ZeroGrad()
    {
        if (_grad is { IsLeaf: true, RequiresGrad: false }) _gradIsZero = true;
        else Grad = null;
    }

    // ---- creation ----

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor<T> FromSpan(ReadOnlySpan<T> data, Shape shape)
    {
        if (data.Length != shape.Size)
            throw new ArgumentException($"{data.Length} values cannot fill a tensor of shape {shape} ({shape.Size} elements).");
        return new Tensor<T>(shape, Copy(data));
    }

    /// <summary>A new array holding <paramref name="data"/>, allocated as every tensor buffer is (a failure names it and the limit).</summary>
    private static T[] Copy(ReadOnlySpan<T> data)
    {
        var copy = Allocation.Array<T>(data.Length, "a tensor");
        data.CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// A tensor holding a copy of <paramref name="data"/>; without a shape it is one-dimensional (a rank-0 tensor, as
    /// PyTorch's <c>torch.tensor(5.0)</c>, is <see cref="Scalar"/>).
    /// </summary>
    public static Tensor<T> FromArray(T[] data, params int[] shape) =>
        FromSpan(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor<T> Scalar(T value) => new(Shape.Scalar, [value]);

    /// <summary>A zero-filled tensor.</summary>
    public static Tensor<T> Zeros(params int[] shape) => new(new Shape(shape));

    /// <summary>A tensor filled with ones.</summary>
    public static Tensor<T> Ones(params int[] shape) => Full(T.One, shape);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor<T> Full(T value, params int[] shape)
    {
        var t = Uninitialized(new Shape(shape)); // filled right away: no clearing pass first
        t.FillElements(value);
        return t;
    }

    /// <summary>Uniform samples in [low, high) drawn from <paramref name="random"/>.</summary>
    public static Tensor<T> Uniform(Shape shape, double low, double high, SeededRandom random)
    {
        var t = new Tensor<T>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(random.Uniform(low, high));
        return t;
    }

    /// <summary>Normal samples with the given mean and standard deviation drawn from <paramref name="random"/>.</summary>
    public static Tensor<T> Normal(Shape shape, double mean, double std, SeededRandom random)
    {
        var t = new Tensor<T>(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(mean + std * random.Normal());
        return t;
    }

    /// <summary>A short description: shape, gradient function and the first values.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder($"Tensor<{typeof(T).Name}>{Shape}");
        if (Node is not null) sb.Append($" grad_fn={Node.Op}");
        else if (RequiresGrad) sb.Append(" requires_grad");
        sb.Append(" [");
        var s = Span;
        for (int i = 0; i < Math.Min(s.Length, 8); i++) sb.Append(i > 0 ? ", " : "").Append(s[i]);
        if (s.Length > 8) sb.Append(", ...");
        return sb.Append(']').ToString();
    }
}

/// <summary>Type-inferring factory methods for <see cref="Tensor{T}"/>.</summary>
public static class Tensor
{
    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (1-D when none is given).</summary>
    public static Tensor<T> FromArray<T>(T[] data, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor<T>.FromArray(data, shape);

    /// <summary>A rank-0 tensor holding <paramref name="value"/>.</summary>
    public static Tensor<T> Scalar<T>(T value) where T : unmanaged, IFloatingPointIeee754<T> => Tensor<T>.Scalar(value);
}
