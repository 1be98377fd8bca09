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

    private Tensor<T> MapUnary<TOp>() where TOp : IUnaryOperator<T>
    {
        var result = new Tensor<T>(Shape);
        Elementwise.Map<T, TOp>(Span, result.Span);
        return result;
    }

    private static Tensor<T> MapBinary<TOp>(Tensor<T> a, Tensor<T> b, string op) where TOp : IBinaryOperator<T>
    {
        var result = new Tensor<T>(Shape.Broadcast(a.Shape, b.Shape, op));
        Broadcasting.Binary<T, TOp>(a, b, result);
        return result;
    }

    private Tensor<T> MapScalar<TOp>(T s) where TOp : IBinaryOperator<T>
    {
        var result = new Tensor<T>(Shape);
        Elementwise.Map<T, TOp>(Span, s, result.Span);
        return result;
    }
}
