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
}
