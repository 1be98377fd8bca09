using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Comparisons that make masks, and the ops that select by a mask. A mask is a constant: selecting is linear in the
// selected tensors, so each backward is the same selection applied to the gradient.
public sealed partial class Tensor<T>
{
    /// <summary>this &gt; <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.gt(y)</c>, <c>x &gt; y</c>); NaN compares false.</summary>
    public BoolTensor Gt(Tensor<T> other) => Compare<GreaterOperator<T>>(this, other, "Gt");
    /// <summary>this ≥ <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.ge(y)</c>).</summary>
    public BoolTensor Ge(Tensor<T> other) => Compare<GreaterOrEqualOperator<T>>(this, other, "Ge");
    /// <summary>this &lt; <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.lt(y)</c>).</summary>
    public BoolTensor Lt(Tensor<T> other) => Compare<GreaterOperator<T>>(other, this, "Lt");
    /// <summary>this ≤ <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.le(y)</c>).</summary>
    public BoolTensor Le(Tensor<T> other) => Compare<GreaterOrEqualOperator<T>>(other, this, "Le");
    /// <summary>this = <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.eq(y)</c>).</summary>
    public BoolTensor Eq(Tensor<T> other) => Compare<EqualOperator<T>>(this, other, "Eq");
    /// <summary>this ≠ <paramref name="other"/> elementwise, broadcasting (PyTorch's <c>x.ne(y)</c>); NaN is unequal to everything.</summary>
    public BoolTensor Ne(Tensor<T> other) => Eq(other).Not();

    /// <summary>this &gt; <paramref name="value"/> elementwise (PyTorch's <c>x.gt(value)</c>).</summary>
    public BoolTensor Gt(T value) => Gt(Scalar(value));
    /// <summary>this ≥ <paramref name="value"/> elementwise.</summary>
    public BoolTensor Ge(T value) => Ge(Scalar(value));
    /// <summary>this &lt; <paramref name="value"/> elementwise.</summary>
    public BoolTensor Lt(T value) => Lt(Scalar(value));
    /// <summary>this ≤ <paramref name="value"/> elementwise.</summary>
    public BoolTensor Le(T value) => Le(Scalar(value));
    /// <summary>this = <paramref name="value"/> elementwise.</summary>
    public BoolTensor Eq(T value) => Eq(Scalar(value));
    /// <summary>this ≠ <paramref name="value"/> elementwise.</summary>
    public BoolTensor Ne(T value) => Ne(Scalar(value));

    /// <summary>Where each element is NaN (PyTorch's <c>x.isnan()</c>).</summary>
    public BoolTensor IsNaN() => Ne(this);

    private static BoolTensor Compare<TOp>(Tensor<T> a, Tensor<T> b, string op) where TOp : IBinaryOperator<T>
    {
        ArgumentNullException.ThrowIfNull(b);
        var numbers = MapBinary<TOp>(a, b, op);
        var s = numbers.Span;
        var values = new bool[s.Length];
        for (int i = 0; i < values.Length; i++) values[i] = s[i] != T.Zero;
        return new BoolTensor(values, numbers.Shape);
    }

    /// <summary>
    /// <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/>, the three broadcast
    /// together (PyTorch's <c>torch.where(condition, a, b)</c>). Differentiable in a and b: each gets the gradient where it was chosen.
    /// </summary>
    public static Tensor<T> Where(BoolTensor condition, Tensor<T> a, Tensor<T> b)
    {
        ArgumentNullException.ThrowIfNull(condition); ArgumentNullException.ThrowIfNull(a); ArgumentNullException.ThrowIfNull(b);
        var shape = Shape.Broadcast(Shape.Broadcast(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var mask = condition.BroadcastTo(shape, "Where");
        var ab = a.BroadcastTo(shape); var bb = b.BroadcastTo(shape);
        var y = Uninitialized(shape); // every element written
        Select(mask, ab.Span, bb.Span, y.Span);
        return Recording(ab, bb) ? Backward(y, ab, bb, condition) : y;
        // Where is linear in (a, b): each gradient is the gradient where that operand was chosen, zero elsewhere.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b, BoolTensor condition) => Record(y, "Where", [a, b], g =>
        {
            var zeros = Zeros([.. g.Shape.Dims]);
            return [a.RequiresGrad ? Where(condition, g, zeros) : null, b.RequiresGrad ? Where(condition, zeros, g) : null];
        }, new MaskAttributes(condition, 0));
    }

    /// <summary>
    /// This tensor with <paramref name="value"/> where <paramref name="mask"/> is true (PyTorch's <c>x.masked_fill(mask, value)</c>);
    /// the mask broadcasts to this tensor's shape. The gradient flows where the mask is false.
    /// </summary>
    public Tensor<T> MaskedFill(BoolTensor mask, T value)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var m = mask.BroadcastTo(Shape, "MaskedFill");
        var y = Uninitialized(Shape);
        var xs = Span; var ys = y.Span;
        for (int i = 0; i < ys.Length; i++) ys[i] = m[i] ? value : xs[i];
        return Recording(this) ? Backward(y, this, mask, value) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, BoolTensor mask, T value) => Record(y, "MaskedFill", [x], g => [g.MaskedFill(mask, T.Zero)], new MaskAttributes(mask, double.CreateChecked(value)));
    }

    private static void Select(ReadOnlySpan<bool> mask, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = mask[i] ? a[i] : b[i];
    }

    /// <summary>
    /// The lower triangle of the last two dimensions (PyTorch's <c>torch.tril(x, diagonal)</c>): elements with column - row ≤
    /// <paramref name="diagonal"/> kept, the rest zero.
    /// </summary>
    public Tensor<T> Tril(int diagonal = 0) => MaskedFill(BoolTensor.Triu(Rows("Tril"), Shape[-1], diagonal + 1), T.Zero);

    /// <summary>The upper triangle of the last two dimensions (PyTorch's <c>torch.triu(x, diagonal)</c>): column - row ≥ <paramref name="diagonal"/> kept.</summary>
    public Tensor<T> Triu(int diagonal = 0) => MaskedFill(BoolTensor.Tril(Rows("Triu"), Shape[-1], diagonal - 1), T.Zero);

    private int Rows(string op) => Rank >= 2 ? Shape[-2] : throw new ArgumentException($"{op} needs at least two dimensions, got shape {Shape}.");
}
