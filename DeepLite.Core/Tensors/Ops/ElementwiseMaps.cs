using DeepLite.Kernels;

namespace DeepLite.Tensors;

// The elementwise drivers behind the ops: one small struct per kernel shape carries the operands, so a
// small tensor's op calls the kernel directly (no closure to allocate) and a large one splits it over
// the worker pool.
public sealed partial class Tensor<T>
{
    /// <summary>Above this many elements, elementwise kernels split the work over the worker pool.</summary>
    private const int ParallelElements = 1 << 19;

    /// <summary>A kernel over the element range [start, start + count).</summary>
    internal interface IChunkBody
    {
        void Run(int start, int count);
    }

    /// <summary>Runs <paramref name="body"/> over [0, length), in parallel chunks when large.</summary>
    internal static void Chunked<TBody>(int length, TBody body) where TBody : struct, IChunkBody
    {
        if (length < ParallelElements || WorkerPool.MaxParallelism <= 1) body.Run(0, length);
        else ChunkedInParallel(length, body);
    }

    private static void ChunkedInParallel<TBody>(int length, TBody body) where TBody : struct, IChunkBody
    {
        int shares = WorkerPool.MaxParallelism;
        WorkerPool.For(shares, new Shares<TBody>(length, shares, body));
    }

    /// <summary>Shares s0..s1 - 1 of [0, length), as a struct body (no closure per call).</summary>
    private readonly struct Shares<TBody>(int length, int shares, TBody body) : WorkerPool.IRange where TBody : struct, IChunkBody
    {
        public void Run(int s0, int s1)
        {
            for (int share = s0; share < s1; share++)
            {
                var (start, end) = WorkerPool.AlignedShare(length, share, shares);
                body.Run(start, end - start);
            }
        }
    }

    /// <summary>
    /// From this many bytes, a fill streams past the caches on every core: measured here, 64 MB took 9 ms
    /// with ordinary stores on one core and 1.6 ms streamed on two; 32 MB 3.4 / 0.8 ms; at 8 MB ordinary
    /// stores were as fast and left the data in cache for the next read.
    /// </summary>
    private const int StreamingFillBytes = 16 << 20;

    /// <summary>
    /// Sets every element of this tensor's buffer range to <paramref name="value"/>: on every core from the
    /// elementwise ops' parallel size, streamed past the caches from <see cref="StreamingFillBytes"/>.
    /// </summary>
    internal void FillElements(T value)
    {
        if ((long)Size * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() >= StreamingFillBytes) ChunkedInParallel(Size, new StreamingFill(Buffer, Offset, value));
        else Chunked(Size, new OrdinaryFill(Buffer, Offset, value));
    }

    private readonly struct OrdinaryFill(T[] x, int offset, T value) : IChunkBody
    {
        public void Run(int start, int count) => x.AsSpan(offset + start, count).Fill(value);
    }

    private readonly struct StreamingFill(T[] x, int offset, T value) : IChunkBody
    {
        public void Run(int start, int count) => Elementwise.FillNonTemporal(x.AsSpan(offset + start, count), value);
    }

    private readonly struct UnaryMap<TOp>(T[] x, int xOffset, T[] y) : IChunkBody where TOp : IUnaryOperator<T>
    {
        public void Run(int start, int count) => Elementwise.Map<T, TOp>(x.AsSpan(xOffset + start, count), y.AsSpan(start, count));
    }

    private readonly struct BinaryMap<TOp>(T[] a, int aOffset, T[] b, int bOffset, T[] y) : IChunkBody where TOp : IBinaryOperator<T>
    {
        public void Run(int start, int count) =>
            Elementwise.Map<T, TOp>(a.AsSpan(aOffset + start, count), b.AsSpan(bOffset + start, count), y.AsSpan(start, count));
    }

    private readonly struct ScalarMap<TOp>(T[] x, int xOffset, T s, T[] y) : IChunkBody where TOp : IBinaryOperator<T>
    {
        public void Run(int start, int count) => Elementwise.Map<T, TOp>(x.AsSpan(xOffset + start, count), s, y.AsSpan(start, count));
    }

    private Tensor<T> MapUnary<TOp>() where TOp : IUnaryOperator<T>
    {
        var result = Uninitialized(Shape);
        Chunked(Size, new UnaryMap<TOp>(Buffer, Offset, result.Buffer));
        return result;
    }

    /// <summary>op(a, b) elementwise, broadcasting; equal shapes take the chunked driver.</summary>
    private static Tensor<T> MapBinary<TOp>(Tensor<T> a, Tensor<T> b, string op) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape.Broadcast(a.Shape, b.Shape, op));
        if (a.Shape == b.Shape) Chunked(result.Size, new BinaryMap<TOp>(a.Buffer, a.Offset, b.Buffer, b.Offset, result.Buffer));
        else Broadcasting.Binary<T, TOp>(a.Span, a.Shape.Dims, b.Span, b.Shape.Dims, result.Span, result.Shape.Dims);
        return result;
    }

    private Tensor<T> MapScalar<TOp>(T s) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape);
        Chunked(Size, new ScalarMap<TOp>(Buffer, Offset, s, result.Buffer));
        return result;
    }
}
