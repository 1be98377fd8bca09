using DeepLite.Kernels;

namespace DeepLite.Tensors;

// The elementwise drivers behind the ops: one small struct per kernel shape carries the operands, so a
// small tensor's op calls the kernel directly (no closure to allocate) and a large one splits it over
// the worker pool.
public sealed partial class Tensor<T>
{
    /// <summary>Runs <paramref name="body"/> over [0, length), on every core from <see cref="SplitThresholds.ElementwiseElements"/>.</summary>
    internal static void ForElements<TBody>(int length, TBody body) where TBody : struct, WorkerPool.IRange =>
        WorkerPool.ForElements(length, SplitThresholds.ElementwiseElements, body);

    /// <summary>
    /// Sets every element of this tensor's buffer range to <paramref name="value"/>: on every core from the
    /// elementwise ops' parallel size, streamed past the caches from <see cref="SplitThresholds.StreamingFillBytes"/>.
    /// </summary>
    internal void FillElements(T value)
    {
        if ((long)Size * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() >= SplitThresholds.StreamingFillBytes)
            WorkerPool.ForElements(Size, 0, new StreamingFill(Buffer, Offset, value));
        else ForElements(Size, new OrdinaryFill(Buffer, Offset, value));
    }

    private readonly struct OrdinaryFill(T[] x, int offset, T value) : WorkerPool.IRange
    {
        public void Run(int start, int end) => x.AsSpan(offset + start, end - start).Fill(value);
    }

    private readonly struct StreamingFill(T[] x, int offset, T value) : WorkerPool.IRange
    {
        public void Run(int start, int end) => Elementwise.FillNonTemporal(x.AsSpan(offset + start, end - start), value);
    }

    private readonly struct UnaryMap<TOp>(T[] x, int xOffset, T[] y) : WorkerPool.IRange where TOp : IUnaryOperator<T>
    {
        public void Run(int start, int end) => Elementwise.Map<T, TOp>(x.AsSpan(xOffset + start, end - start), y.AsSpan(start, end - start));
    }

    private readonly struct BinaryMap<TOp>(T[] a, int aOffset, T[] b, int bOffset, T[] y) : WorkerPool.IRange where TOp : IBinaryOperator<T>
    {
        public void Run(int start, int end) =>
            Elementwise.Map<T, TOp>(a.AsSpan(aOffset + start, end - start), b.AsSpan(bOffset + start, end - start), y.AsSpan(start, end - start));
    }

    private readonly struct ScalarMap<TOp>(T[] x, int xOffset, T s, T[] y) : WorkerPool.IRange where TOp : IBinaryOperator<T>
    {
        public void Run(int start, int end) => Elementwise.Map<T, TOp>(x.AsSpan(xOffset + start, end - start), s, y.AsSpan(start, end - start));
    }

    /// <summary>Rows [start, end) of y = op(x row, block), x and y [rows, block], the block one row.</summary>
    private readonly struct BlockMap<TOp>(T[] x, int xOffset, T[] block, int blockOffset, int length, T[] y) : WorkerPool.IRange where TOp : IBinaryOperator<T>
    {
        public void Run(int start, int end)
        {
            var b = block.AsSpan(blockOffset, length);
            for (int r = start; r < end; r++)
                Elementwise.Map<T, TOp>(x.AsSpan(xOffset + r * length, length), b, y.AsSpan(r * length, length));
        }
    }

    private Tensor<T> MapUnary<TOp>() where TOp : IUnaryOperator<T>
    {
        var result = Uninitialized(Shape);
        WorkerPool.ForElements(Size, TOp.SplitElements, new UnaryMap<TOp>(Buffer, Offset, result.Buffer));
        return result;
    }

    /// <summary>
    /// op(a, b) elementwise, broadcasting. Equal shapes, and a single element against a tensor of the result's shape
    /// (1 - x, x / n), take the split drivers, on every core for large tensors; other broadcasts walk the strides.
    /// </summary>
    private static Tensor<T> MapBinary<TOp>(Tensor<T> a, Tensor<T> b, string op) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape.Broadcast(a.Shape, b.Shape, op));
        if (a.Shape == b.Shape) WorkerPool.ForElements(result.Size, TOp.SplitElements, new BinaryMap<TOp>(a.Buffer, a.Offset, b.Buffer, b.Offset, result.Buffer));
        else if (b.Size == 1 && a.Shape == result.Shape) WorkerPool.ForElements(result.Size, TOp.SplitElements, new ScalarMap<TOp>(a.Buffer, a.Offset, b.Span[0], result.Buffer));
        else if (a.Size == 1 && b.Shape == result.Shape)
            WorkerPool.ForElements(result.Size, TOp.SplitElements, new ScalarMap<SwappedOperator<T, TOp>>(b.Buffer, b.Offset, a.Span[0], result.Buffer));
        // A block repeated along the leading dimensions (a bias, a LayerNorm weight, a position table) against a tensor of
        // the result's shape: rows of the block split over the cores when large.
        else if (result.Size >= TOp.SplitElements && b.Size > 0 && a.Shape == result.Shape && Broadcasting.IsTrailingBlock(b.Shape.Dims, result.Shape.Dims))
            WorkerPool.For(result.Size / b.Size, new BlockMap<TOp>(a.Buffer, a.Offset, b.Buffer, b.Offset, b.Size, result.Buffer));
        else if (result.Size >= TOp.SplitElements && a.Size > 0 && b.Shape == result.Shape && Broadcasting.IsTrailingBlock(a.Shape.Dims, result.Shape.Dims))
            WorkerPool.For(result.Size / a.Size, new BlockMap<SwappedOperator<T, TOp>>(b.Buffer, b.Offset, a.Buffer, a.Offset, a.Size, result.Buffer));
        else Broadcasting.Binary<T, TOp>(a.Span, a.Shape.Dims, b.Span, b.Shape.Dims, result.Span, result.Shape.Dims);
        return result;
    }

    private Tensor<T> MapScalar<TOp>(T s) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape);
        ForElements(Size, new ScalarMap<TOp>(Buffer, Offset, s, result.Buffer));
        return result;
    }
}
