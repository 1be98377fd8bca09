using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Attaches <paramref name="backward"/> to <paramref name="result"/> when recording is on and an input
    /// requires grad. Each op's forward and backward sit side by side in the files of Autograd/Ops.
    /// </summary>
    internal static Tensor<T> Record(Tensor<T> result, string op, Tensor<T>[] inputs, Func<Tensor<T>, Tensor<T>?[]> backward)
    {
        if (!GradMode.IsEnabled) return result;
        bool any = false;
        foreach (var input in inputs) any |= input.RequiresGrad;
        if (!any) return result;
        result.Node = new GradNode<T>(op, inputs, backward);
        result._requiresGrad = true;
        return result;
    }

    /// <summary>Above this many elements, elementwise kernels split the work over the worker pool.</summary>
    private const int ParallelElements = 1 << 19;

    /// <summary>Runs <paramref name="body"/>(start, count) over [0, length), in parallel chunks when large.</summary>
    internal static void Chunked(int length, Action<int, int> body)
    {
        int shares = length >= ParallelElements ? WorkerPool.MaxParallelism : 1;
        if (shares <= 1) { body(0, length); return; }
        WorkerPool.Run(shares, share =>
        {
            // Chunk edges on multiples of 64 elements keep vector loops whole and cache lines unshared.
            int start = (int)((long)length * share / shares) & ~63, end = share == shares - 1 ? length : (int)((long)length * (share + 1) / shares) & ~63;
            body(start, end - start);
        });
    }

    private Tensor<T> MapUnary<TOp>() where TOp : IUnaryOperator<T>
    {
        var result = Uninitialized(Shape);
        var (src, so, dst) = (Buffer, Offset, result.Buffer);
        Chunked(Size, (start, count) => Elementwise.Map<T, TOp>(src.AsSpan(so + start, count), dst.AsSpan(start, count)));
        return result;
    }

    private static Tensor<T> MapBinary<TOp>(Tensor<T> a, Tensor<T> b, string op) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape.Broadcast(a.Shape, b.Shape, op));
        if (a.Shape == b.Shape)
        {
            var (ab, ao, bb, bo, rb) = (a.Buffer, a.Offset, b.Buffer, b.Offset, result.Buffer);
            Chunked(result.Size, (start, count) => Elementwise.Map<T, TOp>(ab.AsSpan(ao + start, count), bb.AsSpan(bo + start, count), rb.AsSpan(start, count)));
        }
        else Broadcasting.Binary<T, TOp>(a, b, result);
        return result;
    }

    private Tensor<T> MapScalar<TOp>(T s) where TOp : IBinaryOperator<T>
    {
        var result = Uninitialized(Shape);
        var (src, so, dst) = (Buffer, Offset, result.Buffer);
        Chunked(Size, (start, count) => Elementwise.Map<T, TOp>(src.AsSpan(so + start, count), s, dst.AsSpan(start, count)));
        return result;
    }
}
