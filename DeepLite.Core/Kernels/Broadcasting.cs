using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Kernels;

/// <summary>
/// Broadcast kernels over contiguous tensors. The result is walked row by row (the last
/// dimension); each operand's stride in that dimension is 1 or 0 (stretched), so every row is
/// one call of a vectorized span kernel.
/// </summary>
internal static class Broadcasting
{
    /// <summary>Strides of a tensor of <paramref name="shape"/> read as <paramref name="target"/>: right-aligned, 0 where stretched.</summary>
    public static int[] StridesIn(Shape shape, Shape target)
    {
        var own = shape.Strides();
        var s = new int[target.Rank];
        int lead = target.Rank - shape.Rank;
        for (int i = 0; i < target.Rank; i++)
        {
            int j = i - lead;
            s[i] = j >= 0 && shape.Dims[j] != 1 ? own[j] : 0;
        }
        return s;
    }

    /// <summary>
    /// Merges neighbouring dimensions that both operands traverse alike (each stride is the next one times
    /// the next size: contiguous, or 0 for a stretched operand), so rows get as long as possible:
    /// a [N, F, H, W] + [1, F, 1, 1] bias walks rows of H*W, not of W.
    /// </summary>
    private static (int[] Dims, int[] Sa, int[] Sb) Collapse(ReadOnlySpan<int> dims, int[] sa, int[] sb)
    {
        var d = new List<int>(); var a = new List<int>(); var b = new List<int>();
        for (int i = 0; i < dims.Length; i++)
        {
            if (d.Count > 0 && a[^1] == sa[i] * dims[i] && b[^1] == sb[i] * dims[i])
            {
                d[^1] *= dims[i]; a[^1] = sa[i]; b[^1] = sb[i];
            }
            else { d.Add(dims[i]); a.Add(sa[i]); b.Add(sb[i]); }
        }
        return ([.. d], [.. a], [.. b]);
    }

    /// <summary>Walks the rows of a target shape, tracking the matching offset in two operands.</summary>
    private struct RowWalker
    {
        private readonly int[] _dims, _sa, _sb, _idx;
        public int OffsetA, OffsetB;

        public RowWalker(int[] dims, int[] sa, int[] sb)
        {
            _dims = dims; _sa = sa; _sb = sb; _idx = new int[_dims.Length];
        }

        public void Next()
        {
            for (int d = _dims.Length - 2; d >= 0; d--)
            {
                _idx[d]++;
                OffsetA += _sa[d]; OffsetB += _sb[d];
                if (_idx[d] < _dims[d]) return;
                OffsetA -= _sa[d] * _dims[d]; OffsetB -= _sb[d] * _dims[d];
                _idx[d] = 0;
            }
        }
    }

    /// <summary>z = op(a, b) with NumPy broadcasting; z has the broadcast shape.</summary>
    public static void Binary<T, TOp>(Tensor<T> a, Tensor<T> b, Tensor<T> z)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
    {
        if (a.Shape == z.Shape && b.Shape == z.Shape) { Elementwise.Map<T, TOp>(a.Span, b.Span, z.Span); return; }
        if (b.Size == 1 && a.Shape == z.Shape) { Elementwise.Map<T, TOp>(a.Span, b.Span[0], z.Span); return; }
        if (a.Size == 1 && b.Shape == z.Shape) { Elementwise.Map<T, TOp>(a.Span[0], b.Span, z.Span); return; }
        if (z.Size == 0) return;
        if (a.Shape == z.Shape && IsTrailingBlock(b.Shape, z.Shape))
        {
            // A bias against a batch: b repeats whole, once per row of a (no stride bookkeeping).
            int block = b.Size;
            for (int r = 0; r < z.Size; r += block) Elementwise.Map<T, TOp>(a.Span.Slice(r, block), b.Span, z.Span.Slice(r, block));
            return;
        }
        if (b.Shape == z.Shape && IsTrailingBlock(a.Shape, z.Shape))
        {
            int block = a.Size;
            for (int r = 0; r < z.Size; r += block) Elementwise.Map<T, TOp>(a.Span, b.Span.Slice(r, block), z.Span.Slice(r, block));
            return;
        }

        var (dims, sa, sb) = Collapse(z.Shape.Dims, StridesIn(a.Shape, z.Shape), StridesIn(b.Shape, z.Shape));
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int ia = dims.Length == 0 ? 0 : sa[^1], ib = dims.Length == 0 ? 0 : sb[^1];
        int rows = z.Size / inner;
        var walk = new RowWalker(dims, sa, sb);
        var aSpan = a.Span; var bSpan = b.Span; var zSpan = z.Span;
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var zRow = zSpan.Slice(r * inner, inner);
            if (ia == 1 && ib == 1) Elementwise.Map<T, TOp>(aSpan.Slice(walk.OffsetA, inner), bSpan.Slice(walk.OffsetB, inner), zRow);
            else if (ia == 1) Elementwise.Map<T, TOp>(aSpan.Slice(walk.OffsetA, inner), bSpan[walk.OffsetB], zRow);
            else if (ib == 1) Elementwise.Map<T, TOp>(aSpan[walk.OffsetA], bSpan.Slice(walk.OffsetB, inner), zRow);
            else zRow.Fill(TOp.Invoke(aSpan[walk.OffsetA], bSpan[walk.OffsetB]));
        }
    }

    /// <summary>Sums <paramref name="x"/> over the dimensions in which <paramref name="target"/> is stretched (the adjoint of broadcasting).</summary>
    public static Tensor<T> SumTo<T>(Tensor<T> x, Shape target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new Tensor<T>(target);
        if (x.Size == 0) return result;
        if (IsTrailingBlock(target, x.Shape))
        {
            // The bias gradient: the rows of x added in order (the same sums as the general walk below).
            int block = result.Size;
            for (int r = 0; r < x.Size; r += block) Elementwise.Map<T, AddOperator<T>>(result.Span, x.Span.Slice(r, block), result.Span);
            return result;
        }
        var (dims, st, _) = Collapse(x.Shape.Dims, StridesIn(target, x.Shape), x.Shape.Strides());
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int it = dims.Length == 0 ? 0 : st[^1];
        int rows = x.Size / inner;
        var walk = new RowWalker(dims, st, new int[dims.Length]);
        var xs = x.Span; var ts = result.Span;
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var row = xs.Slice(r * inner, inner);
            if (it == 1)
            {
                var dst = ts.Slice(walk.OffsetA, inner);
                Elementwise.Map<T, AddOperator<T>>(dst, row, dst);
            }
            else ts[walk.OffsetA] += Elementwise.Sum<T>(row);
        }
        return result;
    }

    /// <summary>Repeats <paramref name="x"/> along its size-1 (or missing leading) dimensions to fill <paramref name="target"/>.</summary>
    public static Tensor<T> BroadcastTo<T>(Tensor<T> x, Shape target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = Tensor<T>.Uninitialized(target);
        if (result.Size == 0) return result;
        var (dims, sx, _) = Collapse(target.Dims, StridesIn(x.Shape, target), target.Strides());
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int ix = dims.Length == 0 ? 0 : sx[^1];
        int rows = result.Size / inner;
        var walk = new RowWalker(dims, sx, new int[dims.Length]);
        var xs = x.Span; var rs = result.Span;
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var dst = rs.Slice(r * inner, inner);
            if (ix == 1) xs.Slice(walk.OffsetA, inner).CopyTo(dst);
            else dst.Fill(xs[walk.OffsetA]);
        }
        return result;
    }

    /// <summary>
    /// True when <paramref name="shape"/>, less its leading 1s, is the trailing part of <paramref name="target"/>
    /// (a [F] or [1, F] bias in an [N, F] batch): broadcasting repeats it whole, row after row.
    /// </summary>
    private static bool IsTrailingBlock(Shape shape, Shape target)
    {
        var dims = shape.Dims;
        int lead = 0;
        while (lead < dims.Length && dims[lead] == 1) lead++;
        dims = dims[lead..];
        return dims.Length > 0 && dims.Length <= target.Rank && dims.SequenceEqual(target.Dims[^dims.Length..]);
    }

    /// <summary>True when a tensor of <paramref name="shape"/> broadcasts to <paramref name="target"/> without changing it.</summary>
    public static bool BroadcastsTo(Shape shape, Shape target)
    {
        if (shape.Rank > target.Rank) return false;
        int lead = target.Rank - shape.Rank;
        for (int i = 0; i < shape.Rank; i++)
            if (shape.Dims[i] != 1 && shape.Dims[i] != target.Dims[i + lead]) return false;
        return true;
    }
}
