using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels;

/// <summary>
/// Per-row kernels over [rows, cols] row-major data: layer normalization (y = (x - mean) / √(var + eps), var biased) and
/// its input gradient, and the softmax of attention scores with a causal mask and a scale folded in. Each row is
/// independent, so rows are split over the worker pool from <see cref="SplitThresholds.ElementwiseElements"/> and the
/// result does not depend on the split.
/// </summary>
internal static class RowNormalization
{
    /// <summary>y = (x - mean) · rstd per row, rstd = 1 / √(var + eps) saved for the backward.</summary>
    public static void LayerNormForward<T>(T[] x, int xOffset, int rows, int cols, T eps, T[] y, T[] rstd) where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(rows, cols, new Forward<T>(x, xOffset, cols, eps, y, rstd));

    /// <summary>
    /// dx = rstd · (g - mean(g) - y · mean(g·y)) per row, the gradient of y = (x - mean) · rstd with y and rstd from the
    /// forward (the mean's and the variance's paths are the two subtracted terms).
    /// </summary>
    public static void LayerNormBackward<T>(T[] g, int gOffset, T[] y, T[] rstd, int rows, int cols, T[] dx) where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(rows, cols, new Backward<T>(g, gOffset, y, rstd, cols, dx));

    /// <summary>
    /// y = softmax(scale · x) over each row of a [.., t, cols] block where row i of every t x cols matrix sees columns
    /// 0..i only (PyTorch's is_causal mask, ones(t, cols).tril()); the masked columns are 0.
    /// </summary>
    public static void CausalSoftmax<T>(T[] x, int xOffset, int rows, int t, int cols, T scale, T[] y) where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(rows, cols, new Causal<T>(x, xOffset, t, cols, scale, y, 0));

    /// <summary>
    /// <see cref="CausalSoftmax{T}"/> of one t x t matrix (from <paramref name="xOffset"/>, into <paramref name="y"/> from
    /// <paramref name="yOffset"/>; the two may be the same) on the calling thread: an attention head's weights.
    /// </summary>
    public static void CausalSoftmaxRows<T>(T[] x, int xOffset, int t, T scale, T[] y, int yOffset) where T : unmanaged, IFloatingPointIeee754<T> =>
        new Causal<T>(x, xOffset, t, t, scale, y, yOffset).Run(0, t);

    /// <summary>
    /// dx = scale · y ∘ (g - Σ_j g_j y_j) per row: the input gradient of <see cref="CausalSoftmax{T}"/> from its output
    /// y. Masked columns have y = 0 and get 0 (NaN where g is not finite, as the recorded form gives).
    /// </summary>
    public static void CausalSoftmaxBackward<T>(T[] y, int yOffset, T[] g, int gOffset, int rows, int cols, T scale, T[] dx) where T : unmanaged, IFloatingPointIeee754<T> =>
        Split(rows, cols, new CausalBackward<T>(y, yOffset, g, gOffset, cols, scale, dx, 0));

    /// <summary>
    /// <see cref="CausalSoftmaxBackward{T}"/> of one t x t matrix on the calling thread, into <paramref name="dx"/> from
    /// <paramref name="dxOffset"/> (which may be <paramref name="g"/>'s own place).
    /// </summary>
    public static void CausalSoftmaxBackwardRows<T>(T[] y, int yOffset, T[] g, int gOffset, int t, T scale, T[] dx, int dxOffset) where T : unmanaged, IFloatingPointIeee754<T> =>
        new CausalBackward<T>(y, yOffset, g, gOffset, t, scale, dx, dxOffset).Run(0, t);

    private static void Split<TBody>(int rows, int cols, TBody body) where TBody : struct, WorkerPool.IRange
    {
        if ((long)rows * cols < SplitThresholds.ElementwiseElements) body.Run(0, rows);
        else WorkerPool.For(rows, body);
    }

    private readonly struct Forward<T>(T[] x, int xOffset, int cols, T eps, T[] y, T[] rstd) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            T n = T.CreateChecked(cols);
            for (int r = start; r < end; r++)
            {
                var src = x.AsSpan(xOffset + r * cols, cols);
                var dst = y.AsSpan(r * cols, cols);
                T mean = Elementwise.Sum<T>(src) / n;
                Elementwise.Map<T, SubtractOperator<T>>(src, mean, dst);
                T inv = T.One / T.Sqrt(Elementwise.Dot<T>(dst, dst) / n + eps);
                Elementwise.Map<T, MultiplyOperator<T>>(dst, inv, dst);
                rstd[r] = inv;
            }
        }
    }

    private readonly struct Backward<T>(T[] g, int gOffset, T[] y, T[] rstd, int cols, T[] dx) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            T n = T.CreateChecked(cols);
            for (int r = start; r < end; r++)
            {
                var gs = g.AsSpan(gOffset + r * cols, cols);
                var ys = y.AsSpan(r * cols, cols);
                var ds = dx.AsSpan(r * cols, cols);
                T a = Elementwise.Sum<T>(gs) / n, b = Elementwise.Dot<T>(gs, ys) / n, s = rstd[r];
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    ref T gr = ref MemoryMarshal.GetReference(gs); ref T yr = ref MemoryMarshal.GetReference(ys); ref T dr = ref MemoryMarshal.GetReference(ds);
                    Vector256<T> va = Vector256.Create(a), vb = Vector256.Create(b), vs = Vector256.Create(s);
                    for (; i <= cols - Vector256<T>.Count; i += Vector256<T>.Count)
                        ((Vector256.LoadUnsafe(ref gr, (nuint)i) - va - Vector256.LoadUnsafe(ref yr, (nuint)i) * vb) * vs).StoreUnsafe(ref dr, (nuint)i);
                }
                for (; i < cols; i++) ds[i] = (gs[i] - a - ys[i] * b) * s;
            }
        }
    }

    private readonly struct Causal<T>(T[] x, int xOffset, int t, int cols, T scale, T[] y, int yOffset) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                int visible = Math.Min(cols, r % t + 1);
                var src = x.AsSpan(xOffset + r * cols, visible);
                var dst = y.AsSpan(yOffset + r * cols, cols);
                T max = T.NegativeInfinity;
                foreach (var v in src) max = T.Max(max, v);
                // softmax(s·x) = exp(s·x - s·max) / Σ: the shift is exact enough and keeps every exponent ≤ 0.
                T shift = -scale * max;
                var row = dst[..visible];
                if (typeof(T) == typeof(float))
                {
                    // One pass for the exponentials and their sum (rows of at most T values: five calls a row were
                    // most of a GPT's softmax).
                    float sum = ExpSum(MemoryMarshal.Cast<T, float>(src), float.CreateTruncating(scale), float.CreateTruncating(shift), MemoryMarshal.Cast<T, float>(row));
                    Elementwise.Map<T, MultiplyOperator<T>>(row, T.CreateTruncating(1f / sum), row);
                }
                else
                {
                    Elementwise.Map<T, MultiplyOperator<T>>(src, scale, row);
                    Elementwise.Map<T, AddOperator<T>>(row, shift, row);
                    Elementwise.Map<T, ExpOperator<T>>(row, row);
                    T inv = T.One / Elementwise.Sum<T>(row);
                    Elementwise.Map<T, MultiplyOperator<T>>(row, inv, row);
                }
                dst[visible..].Clear();
            }
        }
    }

    /// <summary>y = e^(s·x + shift) element by element (<see cref="FloatExp"/>); returns Σ y, summed lane-wise then across.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ExpSum(ReadOnlySpan<float> x, float s, float shift, Span<float> y)
    {
        int j = 0;
        float sum = 0;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        if (Avx512F.IsSupported && x.Length >= Vector512<float>.Count)
        {
            var acc = Vector512<float>.Zero;
            for (; j <= x.Length - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                var e = FloatExp.Exp(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xs, (nuint)j), Vector512.Create(s), Vector512.Create(shift)));
                e.StoreUnsafe(ref ys, (nuint)j);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && x.Length - j >= Vector256<float>.Count)
        {
            var acc = Vector256<float>.Zero;
            for (; j <= x.Length - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                var e = FloatExp.Exp(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xs, (nuint)j), Vector256.Create(s), Vector256.Create(shift)));
                e.StoreUnsafe(ref ys, (nuint)j);
                acc += e;
            }
            sum += Vector256.Sum(acc);
        }
        for (; j < x.Length; j++) sum += y[j] = FloatExp.Exp(MathF.FusedMultiplyAdd(x[j], s, shift));
        return sum;
    }

    private readonly struct CausalBackward<T>(T[] y, int yOffset, T[] g, int gOffset, int cols, T scale, T[] dx, int dxOffset) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                var ys = y.AsSpan(yOffset + r * cols, cols);
                var gs = g.AsSpan(gOffset + r * cols, cols);
                var row = dx.AsSpan(dxOffset + r * cols, cols);
                T dot = Elementwise.Dot<T>(gs, ys);
                Elementwise.Map<T, SubtractOperator<T>>(gs, dot, row);
                Elementwise.Map<T, MultiplyOperator<T>>(row, ys, row);
                Elementwise.Map<T, MultiplyOperator<T>>(row, scale, row);
            }
        }
    }
}
