using System.Numerics;
using DeepLite.Kernels;
using DeepLite.Tensors;

namespace DeepLite.Autograd;

/// <summary>
/// The reverse-mode engine: walks the recorded graph from an output back to its leaves.
/// </summary>
public static class AutoDiff
{
    /// <summary>
    /// Accumulates d(output)/d(leaf) into the <see cref="Tensor{T}.Grad"/> of every leaf that requires grad.
    /// </summary>
    /// <param name="output">The tensor to differentiate; a scalar unless <paramref name="seed"/> is given.</param>
    /// <param name="seed">The gradient of some scalar with respect to <paramref name="output"/> (same shape); 1 for a scalar output when null.</param>
    /// <param name="retainGraph">Keep the graph so that it can be walked again.</param>
    /// <param name="createGraph">Record the backward pass itself, so the gradients can be differentiated again.</param>
    public static void Backward<T>(Tensor<T> output, Tensor<T>? seed = null, bool retainGraph = false, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grads = Run(output, seed, retainGraph || createGraph, createGraph, "Backward", keep: null);
        foreach (var (tensor, g) in grads)
        {
            if (!tensor.IsLeaf || !tensor.RequiresGrad) continue;
            if (!createGraph) tensor.AccumulateGrad(g);
            else tensor.Grad = tensor.Grad is null ? g : tensor.Grad + g;
        }
    }

    /// <summary>
    /// Returns d(output)/d(input) for each of <paramref name="inputs"/> without touching any
    /// <see cref="Tensor{T}.Grad"/>. An input the output does not depend on gets a zero gradient.
    /// With <paramref name="createGraph"/>, the returned gradients are themselves differentiable
    /// (the basis of Hessian-vector products).
    /// </summary>
    public static Tensor<T>[] Grad<T>(Tensor<T> output, IReadOnlyList<Tensor<T>> inputs, Tensor<T>? seed = null,
        bool createGraph = false, bool retainGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var input in inputs)
            if (!input.RequiresGrad)
                throw new ArgumentException($"Grad: an input of shape {input.Shape} does not require grad; set RequiresGrad on it before computing the output.");
        var grads = Run(output, seed, retainGraph || createGraph, createGraph, "Grad", new HashSet<Tensor<T>>(inputs, ReferenceEqualityComparer.Instance));
        var result = new Tensor<T>[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
            result[i] = grads.TryGetValue(inputs[i], out var g) ? g : new Tensor<T>(inputs[i].Shape);
        return result;
    }

    private static Dictionary<Tensor<T>, Tensor<T>> Run<T>(Tensor<T> output, Tensor<T>? seed, bool retainGraph, bool createGraph, string caller, HashSet<Tensor<T>>? keep)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!output.RequiresGrad)
            throw new InvalidOperationException($"{caller}: the output (shape {output.Shape}) does not require grad: no input of the computation had RequiresGrad set, or it ran with GradMode disabled.");
        if (seed is null)
        {
            if (output.Size != 1)
                throw new InvalidOperationException($"{caller}: the output has shape {output.Shape}, not a scalar; pass a seed gradient of that shape.");
            seed = Tensor<T>.Full(T.One, output.Shape.ToArray());
        }
        else if (seed.Shape != output.Shape)
            throw new ArgumentException($"{caller}: the seed gradient has shape {seed.Shape} but the output has shape {output.Shape}.");

        var order = TopologicalOrder(output);
        var grads = new Dictionary<Tensor<T>, Tensor<T>>(ReferenceEqualityComparer.Instance);
        grads[output] = seed;
        using var mode = GradMode.Set(createGraph);
        for (int t = order.Count - 1; t >= 0; t--)
        {
            var tensor = order[t];
            var node = tensor.Node!;
            if (!grads.TryGetValue(tensor, out var g)) continue;
            var inputGrads = node.Backward(g);
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                var input = node.Inputs[i];
                var ig = inputGrads[i];
                if (ig is null || !input.RequiresGrad) continue;
                if (ig.Shape != input.Shape)
                    throw new InvalidOperationException($"Internal error: {node.Signature} returned a gradient of shape {ig.Shape} for input {i} of shape {input.Shape}.");
                grads[input] = grads.TryGetValue(input, out var existing) ? existing + ig : ig;
            }
            if (!retainGraph) node.Release();
            // Intermediate gradients are no longer needed once passed on (keeps memory flat).
            if (keep is null || !keep.Contains(tensor)) grads.Remove(tensor);
        }
        return grads;
    }

    /// <summary>The non-leaf tensors reachable from <paramref name="output"/>, every tensor after its inputs.</summary>
    private static List<Tensor<T>> TopologicalOrder<T>(Tensor<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var order = new List<Tensor<T>>();
        if (output.Node is null) return order;
        var visited = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance) { output };
        // Iterative post-order DFS: deep graphs (long unrolled loops) must not overflow the stack.
        var stack = new Stack<(Tensor<T> Tensor, int NextInput)>();
        stack.Push((output, 0));
        while (stack.Count > 0)
        {
            var (tensor, next) = stack.Pop();
            var inputs = tensor.Node!.Inputs;
            if (next < inputs.Length)
            {
                stack.Push((tensor, next + 1));
                var input = inputs[next];
                if (input.Node is not null && visited.Add(input)) stack.Push((input, 0));
            }
            else order.Add(tensor);
        }
        return order;
    }
}
