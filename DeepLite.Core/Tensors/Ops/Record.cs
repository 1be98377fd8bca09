using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// True when an op on these inputs will record a node. The hot ops test it before building their
    /// backward closure (in a static local function, so that nothing is allocated unless it records):
    /// the ops a backward pass runs with recording off built a closure, a delegate and an inputs array
    /// each, only for <see cref="Record"/> to drop them.
    /// </summary>
    internal static bool Recording(Tensor<T> a, Tensor<T>? b = null, Tensor<T>? c = null) =>
        GradMode.IsEnabled && (a.RequiresGrad || b is { RequiresGrad: true } || c is { RequiresGrad: true });

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
        if (AnomalyMode.IsEnabled) AnomalyMode.CheckForward(result, op, inputs);
        return result;
    }
}
