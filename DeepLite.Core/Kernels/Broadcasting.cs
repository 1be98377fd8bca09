using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels;

/// <summary>
/// Broadcast kernels over contiguous row-major data, each operand given as its elements and its dimensions (NumPy's
/// rules: right-aligned, a dimension of 1 stretched). The result is walked row by row (the last dimension); each
/// operand's stride in that dimension is 1 or 0 (stretched), so every row is one call of a vectorized span kernel.
/// </summary>
internal static class Broadcasting
{
    /// <summary>Strides of data of <paramref name="shape"/> read as <paramref name="target"/>: right-aligned, 0 where stretched.</summary>
    public static int[] StridesIn(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        var own = Strides(shape);
        var s = new int[target.Length];
        int lead = target.Length - shape.Length;
        for (int i = 0; i < target.Length; i++)
        {
            int j = i - lead;
            s[i] = j >= 0 && shape[j] != 1 ? own[j] : 0;
        }
        return s;
    }

    /// <summary>Row-major strides of <paramref name="dims"/>.</summary>
    private static int[] Strides(ReadOnlySpan<int> dims)
    {
        var s = new int[dims.Length];
        int stride = 1;
        for (int i = dims.Length - 1; i >= 0; i--) { s[i] = stride; stride *= dims[i]; }
        return s;
    }

    private static int Size(ReadOnlySpan<int> dims)
    {
        int size = 1;
        foreach (int d in dims) size *= d;
        return size;
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

    /// <summary>z = op(a, b) with NumPy broadcasting; <paramref name="zDims"/> is the broadcast shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<int> aDims, ReadOnlySpan<T> b, ReadOnlySpan<int> bDims, Span<T> z, ReadOnlySpan<int> zDims)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
    {
        bool aWhole = aDims.SequenceEqual(zDims), bWhole = bDims.SequenceEqual(zDims);
        int aSize = Size(aDims), bSize = Size(bDims), zSize = Size(zDims);
        if (aWhole && bWhole) { Elementwise.Map<T, TOp>(a[..zSize], b[..zSize], z[..zSize]); return; }
        if (zSize == 0) return;
        if (aWhole && IsTrailingBlock(bDims, zDims))
        {
            // A bias against a batch: b repeats whole, once per row of a (no stride bookkeeping).
            int block = bSize;
            for (int r = 0; r < zSize; r += block) Elementwise.Map<T, TOp>(a.Slice(r, block), b[..block], z.Slice(r, block));
            return;
        }
        if (bWhole && IsTrailingBlock(aDims, zDims))
        {
            int block = aSize;
            for (int r = 0; r < zSize; r += block) Elementwise.Map<T, TOp>(a[..block], b.Slice(r, block), z.Slice(r, block));
            return;
        }

        var (dims, sa, sb) = Collapse(zDims, StridesIn(aDims, zDims), StridesIn(bDims, zDims));
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int ia = dims.Length == 0 ? 0 : sa[^1], ib = dims.Length == 0 ? 0 : sb[^1];
        int rows = zSize / inner;
        var walk = new RowWalker(dims, sa, sb);
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var zRow = z.Slice(r * inner, inner);
            if (ia == 1 && ib == 1) Elementwise.Map<T, TOp>(a.Slice(walk.OffsetA, inner), b.Slice(walk.OffsetB, inner), zRow);
            else if (ia == 1) Elementwise.Map<T, TOp>(a.Slice(walk.OffsetA, inner), b[walk.OffsetB], zRow);
            else if (ib == 1) Elementwise.Map<T, SwappedOperator<T, TOp>>(b.Slice(walk.OffsetB, inner), a[walk.OffsetA], zRow);
            else zRow.Fill(TOp.Invoke(a[walk.OffsetA], b[walk.OffsetB]));
        }
    }

    /// <summary>
    /// Sums <paramref name="x"/> over the dimensions in which <paramref name="targetDims"/> is stretched (the adjoint of
    /// broadcasting) into <paramref name="result"/>, which must hold zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SumTo<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> xDims, Span<T> result, ReadOnlySpan<int> targetDims) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int xSize = Size(xDims);
        if (xSize == 0) return;
        if (IsTrailingBlock(targetDims, xDims))
        {
            // The bias gradient: the rows of x added in order (the same sums as the general walk below).
            int block = Size(targetDims);
            var sum = result[..block];
            for (int r = 0; r < xSize; r += block) Elementwise.Map<T, AddOperator<T>>(sum, x.Slice(r, block), sum);
            return;
        }
        var (dims, st, _) = Collapse(xDims, StridesIn(targetDims, xDims), Strides(xDims));
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int it = dims.Length == 0 ? 0 : st[^1];
        int rows = xSize / inner;
        var walk = new RowWalker(dims, st, new int[dims.Length]);
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var row = x.Slice(r * inner, inner);
            if (it == 1)
            {
                var dst = result.Slice(walk.OffsetA, inner);
                Elementwise.Map<T, AddOperator<T>>(dst, row, dst);
            }
            else result[walk.OffsetA] += Elementwise.Sum<T>(row);
        }
    }

    /// <summary>Repeats <paramref name="x"/> along its size-1 (or missing leading) dimensions to fill <paramref name="result"/> of <paramref name="targetDims"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BroadcastTo<T>(ReadOnlySpan<T> x, ReadOnlySpan<int> xDims, Span<T> result, ReadOnlySpan<int> targetDims) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = Size(targetDims);
        if (size == 0) return;
        var (dims, sx, _) = Collapse(targetDims, StridesIn(xDims, targetDims), Strides(targetDims));
        int inner = dims.Length == 0 ? 1 : dims[^1];
        int ix = dims.Length == 0 ? 0 : sx[^1];
        int rows = size / inner;
        var walk = new RowWalker(dims, sx, new int[dims.Length]);
        for (int r = 0; r < rows; r++, walk.Next())
        {
            var dst = result.Slice(r * inner, inner);
            if (ix == 1) x.Slice(walk.OffsetA, inner).CopyTo(dst);
            else dst.Fill(x[walk.OffsetA]);
        }
    }

    /// <summary>
    /// True when <paramref name="shape"/>, less its leading 1s, is the trailing part of <paramref name="target"/>
    /// (a [F] or [1, F] bias in an [N, F] batch): broadcasting repeats it whole, row after row.
    /// </summary>
    internal static bool IsTrailingBlock(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        int lead = 0;
        while (lead < shape.Length && shape[lead] == 1) lead++;
        var dims = shape[lead..];
        return dims.Length > 0 && dims.Length <= target.Length && dims.SequenceEqual(target[^dims.Length..]);
    }

    /// <summary>True when data of <paramref name="shape"/> broadcasts to <paramref name="target"/> without changing it.</summary>
    public static bool BroadcastsTo(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        if (shape.Length > target.Length) return false;
        int lead = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            if (shape[i] != 1 && shape[i] != target[i + lead]) return false;
        return true;
    }
}
