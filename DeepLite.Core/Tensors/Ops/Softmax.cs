using DeepLite.Kernels;
using System.Runtime.CompilerServices;

namespace DeepLite.Tensors;

// Softmax over the last axis, computed with the max subtracted so that logits of any size stay finite.
public sealed partial class Tensor<T>
{
    /// <summary>log(softmax(x)) over the last axis, stable for large logits.</summary>
    public Tensor<T> LogSoftmax()
    {
        var y = Uninitialized(Shape); // every row written
        LogSoftmaxRows(Span, y.Span, RowLength("LogSoftmax"));
        return Recording(this) ? Backward(y, this) : y;
        // d/dx: g - softmax(x) * sum(g), with softmax(x) = exp(y).
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "LogSoftmax", [x], g => [g - y.Exp() * g.Sum(-1, keepDims: true)]);
    }

    /// <summary>softmax(x) over the last axis.</summary>
    public Tensor<T> Softmax()
    {
        var y = Uninitialized(Shape); // every row written
        SoftmaxRows(Span, y.Span, RowLength("Softmax"));
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Softmax", [x], g => [y * (g - (g * y).Sum(-1, keepDims: true))]);
    }

    /// <summary>
    /// log(softmax(x)) over <paramref name="axis"/> (negative counts from the end; PyTorch's <c>log_softmax(x, dim)</c>).
    /// Another axis than the last is moved last, normalized there and moved back (copies, recorded).
    /// </summary>
    public Tensor<T> LogSoftmax(int axis) => AlongAxis(axis, x => x.LogSoftmax());

    /// <summary>softmax(x) over <paramref name="axis"/> (negative counts from the end; PyTorch's <c>softmax(x, dim)</c>).</summary>
    public Tensor<T> Softmax(int axis) => AlongAxis(axis, x => x.Softmax());

    private Tensor<T> AlongAxis(int axis, Func<Tensor<T>, Tensor<T>> lastAxis)
    {
        int a = Shape.NormalizeAxis(axis);
        if (a == Rank - 1) return lastAxis(this);
        var order = Enumerable.Range(0, Rank).Where(d => d != a).Append(a).ToArray();
        var back = new int[Rank];
        for (int i = 0; i < Rank; i++) back[order[i]] = i;
        return lastAxis(Permute(order)).Permute(back);
    }

    private int RowLength(string op)
    {
        if (Rank < 1 || Shape.Dims[^1] == 0) throw new InvalidOperationException($"{op} needs a non-empty last axis, got shape {Shape}.");
        return Shape.Dims[^1];
    }

    /// <summary>
    /// log softmax of each row of length <paramref name="cols"/>; with <paramref name="probabilities"/>, the
    /// softmax too, from the same exponentials. Rows are shifted by their maximum, then one vectorized exp
    /// runs over the whole batch: rows of ten classes are too short to vectorize one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void LogSoftmaxRows(ReadOnlySpan<T> x, Span<T> y, int cols, Span<T> probabilities = default)
    {
        int rows = x.Length / cols;
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * cols, cols);
            T max = Max(row);
            var dst = y.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) dst[c] = row[c] - max;
        }
        var e = probabilities.IsEmpty ? Uninitialized(new Shape(x.Length)).Span : probabilities;
        Elementwise.Map<T, ExpOperator<T>>(y, e);
        for (int r = 0; r < rows; r++)
        {
            var dst = y.Slice(r * cols, cols);
            var exps = e.Slice(r * cols, cols);
            T sum = Elementwise.Sum<T>(exps);
            // An infinite maximum leaves x - max, as log-sum-exp = max then.
            if (T.IsInfinity(Max(x.Slice(r * cols, cols)))) continue;
            T logSum = T.Log(sum), inv = T.One / sum;
            for (int c = 0; c < cols; c++) dst[c] -= logSum;
            if (!probabilities.IsEmpty) for (int c = 0; c < cols; c++) exps[c] *= inv;
        }
    }

    internal static void SoftmaxRows(ReadOnlySpan<T> x, Span<T> y, int cols)
    {
        for (int r = 0; r < x.Length / cols; r++)
        {
            var row = x.Slice(r * cols, cols);
            var dst = y.Slice(r * cols, cols);
            T max = row[0];
            foreach (var v in row) if (v > max) max = v;
            T sum = T.Zero;
            for (int c = 0; c < cols; c++) { dst[c] = T.Exp(row[c] - max); sum += dst[c]; }
            T inv = T.One / sum;
            for (int c = 0; c < cols; c++) dst[c] *= inv;
        }
    }

    // T.Max rather than a compare and branch: on random logits the branch mispredicts for half the rows'
    // elements. A NaN logit makes the row's maximum NaN, as in PyTorch.
    private static T Max(ReadOnlySpan<T> row)
    {
        T max = row[0];
        foreach (var v in row) max = T.Max(max, v);
        return max;
    }

    internal static T LogSumExp(ReadOnlySpan<T> row)
    {
        T max = row[0];
        foreach (var v in row) if (v > max) max = v;
        if (T.IsInfinity(max)) return max;
        T sum = T.Zero;
        foreach (var v in row) sum += T.Exp(v - max);
        return max + T.Log(sum);
    }
}
