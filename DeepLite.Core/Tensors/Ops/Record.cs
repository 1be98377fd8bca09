using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// True when an op on these inputs will record a node. Every op is written one way: compute the result, then
    /// <c>return Recording(inputs) ? Backward(result, inputs, ...) : result;</c> with <c>Backward</c> a static local
    /// function that calls <see cref="Record"/> with the backward closure. The closure, its delegate and the inputs
    /// array are then made only when the op records (a closure written in the op's body is allocated on entry,
    /// recording or not: the ops a backward pass runs with recording off paid for three objects each).
    /// </summary>
    internal static bool Recording(Tensor<T> a, Tensor<T>? b = null, Tensor<T>? c = null) =>
        GradMode.IsEnabled && (a.RequiresGrad || b is { RequiresGrad: true } || c is { RequiresGrad: true });

    /// <summary>
    /// Attaches <paramref name="backward"/> to <paramref name="result"/> when recording is on and an input
    /// requires grad. Each op's forward and backward sit side by side in the files of Tensors/Ops. An op whose result
    /// depends on more than its inputs' values and its output's shape passes that as <paramref name="attributes"/>.
    /// </summary>
    internal static Tensor<T> Record(Tensor<T> result, string op, Tensor<T>[] inputs, Func<Tensor<T>, Tensor<T>?[]> backward, object? attributes = null)
    {
        if (!GradMode.IsEnabled) return result;
        bool any = false;
        foreach (var input in inputs) any |= input.RequiresGrad;
        if (!any) return result;
        result.Node = new GradNode<T>(op, inputs, backward, attributes);
        result._requiresGrad = true;
        if (AnomalyMode.IsEnabled) AnomalyMode.CheckForward(result, op, inputs);
        return result;
    }
}
