using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Minima, log-sum-exp, variance, standard deviation and norms, each written with recorded ops (their backwards come
// from those ops' and can be differentiated again). Minima are maxima of the negated tensor: negation is exact.
public sealed partial class Tensor<T>
{
    /// <summary>The minimum over <paramref name="axis"/> (PyTorch's <c>x.amin(dim, keepdim)</c>); the gradient goes to the first minimal element.</summary>
    public Tensor<T> Min(int axis, bool keepDims = false) => -(-this).Max(axis, keepDims);

    /// <summary>The minimum of all elements, a rank-0 tensor (PyTorch's <c>x.min()</c>).</summary>
    public Tensor<T> Min() => Reshape(-1).Min(0);

    /// <summary>The minima over <paramref name="axis"/> and where they are (PyTorch's <c>torch.min(x, dim, keepdim)</c>).</summary>
    public (Tensor<T> Values, IndexTensor Indices) MinWithIndices(int axis, bool keepDims = false) => (Min(axis, keepDims), ArgMin(axis, keepDims));

    /// <summary>Index of the first minimum along <paramref name="axis"/> (PyTorch's <c>x.argmin(dim, keepdim)</c>); NaN counts as smaller than any number.</summary>
    public IndexTensor ArgMin(int axis, bool keepDims = false)
    {
        using var _ = Autograd.GradMode.Disable();
        return (-this).ArgMax(axis, keepDims);
    }

    /// <summary>Index of the first minimum of all elements, row-major (PyTorch's <c>x.argmin()</c>).</summary>
    public int ArgMin()
    {
        using var _ = Autograd.GradMode.Disable();
        return (-this).ArgMax();
    }

    /// <summary>
    /// log Σ exp(x) over <paramref name="axis"/> (PyTorch's <c>torch.logsumexp(x, dim, keepdim)</c>), stable for large
    /// values: the maximum is taken out first (a constant shift: log Σ exp(x) = m + log Σ exp(x - m) for any m, so it
    /// carries no gradient). A row of -∞ gives -∞; the gradient is softmax(x) along the axis.
    /// </summary>
    public Tensor<T> LogSumExp(int axis, bool keepDims = false)
    {
        int ax = Shape.NormalizeAxis(axis);
        Tensor<T> shift;
        using (Autograd.GradMode.Disable())
        {
            shift = Max(ax, keepDims: true);
            var s = shift.Span;
            for (int i = 0; i < s.Length; i++) if (!T.IsFinite(s[i])) s[i] = T.Zero;
        }
        var y = (this - shift).Exp().Sum(ax, keepDims: true).Log() + shift;
        return keepDims ? y : y.Reshape(DroppedShape([ax]));
    }

    /// <summary>
    /// The variance over <paramref name="axes"/> (PyTorch's <c>x.var(dim, unbiased, keepdim)</c>): Σ (x - mean)² / (n - 1)
    /// when <paramref name="unbiased"/> (Bessel's correction, PyTorch's default), else / n.
    /// </summary>
    public Tensor<T> Var(int[] axes, bool unbiased = true, bool keepDims = false)
    {
        int count = 1;
        foreach (var a in axes.Select(Shape.NormalizeAxis).Distinct()) count *= Shape.Dims[a];
        var centered = this - Mean(axes, keepDims: true);
        return (centered * centered).Sum(axes, keepDims).MultiplyScalar(T.One / T.CreateChecked(count - (unbiased ? 1 : 0)));
    }

    /// <summary>The variance over one axis.</summary>
    public Tensor<T> Var(int axis, bool unbiased = true, bool keepDims = false) => Var([axis], unbiased, keepDims);

    /// <summary>The variance of all elements, a rank-0 tensor (PyTorch's <c>x.var(unbiased)</c>).</summary>
    public Tensor<T> Var(bool unbiased = true) => Reshape(-1).Var(0, unbiased);

    /// <summary>
    /// The standard deviation over <paramref name="axes"/>, √Var (PyTorch's <c>x.std(dim, unbiased, keepdim)</c>); where it is
    /// 0 its gradient is 0, as PyTorch's (not the 0 · ∞ of the square root's chain rule). Unbiased over one element is
    /// NaN (0 / 0), as PyTorch's.
    /// </summary>
    public Tensor<T> Std(int[] axes, bool unbiased = true, bool keepDims = false) => Var(axes, unbiased, keepDims).SqrtOfSquares();

    /// <summary>The standard deviation over one axis.</summary>
    public Tensor<T> Std(int axis, bool unbiased = true, bool keepDims = false) => Std([axis], unbiased, keepDims);

    /// <summary>The standard deviation of all elements, a rank-0 tensor (PyTorch's <c>x.std(unbiased)</c>).</summary>
    public Tensor<T> Std(bool unbiased = true) => Var(unbiased).SqrtOfSquares();

    /// <summary>
    /// √x for x a sum of squares (a variance, a squared norm), its gradient 0 where x is 0: there the squares' own
    /// gradient is 0 too, and PyTorch's std and norm backwards give 0 instead of 0 · ∞.
    /// </summary>
    private Tensor<T> SqrtOfSquares()
    {
        var y = MapUnary<SqrtOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Sqrt", [x], g => [(g * T.CreateChecked(0.5) / y).MaskedFill(y.Eq(T.Zero), T.Zero)]);
    }

    /// <summary>
    /// The p-norm of all elements taken as one vector, a rank-0 tensor (PyTorch's <c>torch.linalg.vector_norm(x, ord=p)</c>,
    /// <c>x.norm(p)</c>): (Σ |x|ᵖ)^(1/p) for p ≥ 1, the largest |x| for p = ∞. The 2-norm's gradient x / ‖x‖ is 0 at
    /// x = 0, as PyTorch's.
    /// </summary>
    public Tensor<T> Norm(double p = 2) => Reshape(-1).Norm(p, 0);

    /// <summary>The p-norm over <paramref name="axis"/> (PyTorch's <c>x.norm(p, dim, keepdim)</c>).</summary>
    public Tensor<T> Norm(double p, int axis, bool keepDims = false)
    {
        if (!(p >= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Norm: p must be at least 1 (or infinity), got {p}.");
        if (double.IsPositiveInfinity(p)) return Abs().Max(axis, keepDims);
        if (p == 1) return Abs().Sum(axis, keepDims);
        if (p == 2) return (this * this).Sum(axis, keepDims).SqrtOfSquares();
        return Abs().Pow(T.CreateChecked(p)).Sum(axis, keepDims).Pow(T.CreateChecked(1 / p));
    }
}
