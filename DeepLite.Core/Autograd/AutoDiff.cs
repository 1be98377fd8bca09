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
        var walk = Run(output, seed, retainGraph || createGraph, createGraph, "Backward", keep: null);
        try
        {
            foreach (var tensor in walk.Touched)
            {
                if (!tensor.IsLeaf || !tensor.RequiresGrad || tensor.WalkGrad is not { } g) continue;
                if (!createGraph) tensor.AccumulateGrad(g);
                else tensor.Grad = tensor.Grad is null ? g : tensor.Grad + g;
            }
        }
        finally { walk.Return(); }
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
        var walk = Run(output, seed, retainGraph || createGraph, createGraph, "Grad", new HashSet<Tensor<T>>(inputs, ReferenceEqualityComparer.Instance));
        try
        {
            var result = new Tensor<T>[inputs.Count];
            for (int i = 0; i < inputs.Count; i++)
                result[i] = inputs[i].WalkGrad ?? new Tensor<T>(inputs[i].Shape);
            return result;
        }
        finally { walk.Return(); }
    }

    /// <summary>
    /// The containers of one backward walk, kept per thread and element type: a training step on a small
    /// net allocated a dozen of them per step, a microsecond of its few. A nested walk gets fresh ones.
    /// Gradients in flight live on the tensors (<see cref="Tensor{T}.WalkGrad"/>), not in a dictionary
    /// (four lookups per node were a fifth of a small net's backward pass); the walk clears them at its end.
    /// </summary>
    private sealed class Walk<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [ThreadStatic] private static Walk<T>? _spare;

        public readonly List<Tensor<T>> Order = [];
        public readonly HashSet<Tensor<T>> Visited = new(ReferenceEqualityComparer.Instance);
        public readonly Stack<(Tensor<T> Tensor, int NextInput)> Stack = new();
        /// <summary>Every tensor whose <see cref="Tensor{T}.WalkGrad"/> this walk set, in the order it did.</summary>
        public readonly List<Tensor<T>> Touched = [];

        public static Walk<T> Rent()
        {
            var walk = _spare ?? new Walk<T>();
            _spare = null;
            return walk;
        }

        /// <summary>Clears the walk's gradients and containers, and keeps the containers for the next walk on this thread.</summary>
        public void Return()
        {
            foreach (var tensor in Touched) tensor.WalkGrad = null;
            Order.Clear(); Visited.Clear(); Stack.Clear(); Touched.Clear();
            _spare = this;
        }

        /// <summary>Adds <paramref name="gradient"/> to what <paramref name="tensor"/> has received in this walk.</summary>
        public void Receive(Tensor<T> tensor, Tensor<T> gradient)
        {
            if (tensor.WalkGrad is { } existing) tensor.WalkGrad = existing + gradient;
            else { tensor.WalkGrad = gradient; Touched.Add(tensor); }
        }
    }

    /// <summary>Walks the graph from <paramref name="output"/>; the caller reads the gradients from the walk, then returns it.</summary>
    private static Walk<T> Run<T>(Tensor<T> output, Tensor<T>? seed, bool retainGraph, bool createGraph, string caller, HashSet<Tensor<T>>? keep)
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
        {
            // One value for one value: a [1] seed for a rank-0 loss (or the reverse) is what was meant.
            if (seed.Size == 1 && output.Size == 1) seed = seed.Reshape(output.Shape.ToArray());
            else throw new ArgumentException($"{caller}: the seed gradient has shape {seed.Shape} but the output has shape {output.Shape}.");
        }

        var walk = Walk<T>.Rent();
        try
        {
            TopologicalOrder(output, walk);
            var order = walk.Order;
            walk.Receive(output, seed);
            using var mode = GradMode.Set(createGraph);
            for (int t = order.Count - 1; t >= 0; t--)
            {
                var tensor = order[t];
                var node = tensor.Node!;
                if (tensor.WalkGrad is not { } g) continue;
                var inputGrads = node.Backward(g);
                for (int i = 0; i < node.Inputs.Length; i++)
                {
                    var input = node.Inputs[i];
                    var ig = inputGrads[i];
                    if (ig is null || !input.RequiresGrad) continue;
                    if (ig.Shape != input.Shape)
                        throw new InvalidOperationException($"Internal error: {node.Signature} returned a gradient of shape {ig.Shape} for input {i} of shape {input.Shape}.");
                    if (AnomalyMode.IsEnabled) AnomalyMode.CheckBackward(ig, node.Op, i, g);
                    walk.Receive(input, ig);
                }
                if (!retainGraph) node.Release();
                // Intermediate gradients are no longer needed once passed on (keeps memory flat).
                if (keep is null || !keep.Contains(tensor)) tensor.WalkGrad = null;
            }
            return walk;
        }
        catch
        {
            walk.Return();
            throw;
        }
    }

    /// <summary>Fills the walk's order with the non-leaf tensors reachable from <paramref name="output"/>, every tensor after its inputs.</summary>
    private static void TopologicalOrder<T>(Tensor<T> output, Walk<T> walk) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (output.Node is not null) PostOrder(output, walk.Visited, walk.Stack, walk.Order, leaves: null);
    }

    /// <summary>
    /// The recorded tensors reachable from <paramref name="output"/> into <paramref name="order"/>, every tensor after its
    /// inputs, and with <paramref name="leaves"/> the leaves it reaches (inputs, parameters, constants) there, in the order
    /// first reached; without it leaves are not visited. An iterative post-order DFS: deep graphs (long unrolled loops)
    /// must not overflow the stack. The backward walk and the ONNX tracer both order a graph this way.
    /// </summary>
    internal static void PostOrder<T>(Tensor<T> output, HashSet<Tensor<T>> visited, Stack<(Tensor<T> Tensor, int NextInput)> stack,
        List<Tensor<T>> order, List<Tensor<T>>? leaves) where T : unmanaged, IFloatingPointIeee754<T>
    {
        visited.Add(output);
        stack.Push((output, 0));
        while (stack.Count > 0)
        {
            var (tensor, next) = stack.Pop();
            var inputs = tensor.Node?.Inputs ?? [];
            if (next < inputs.Length)
            {
                stack.Push((tensor, next + 1));
                var input = inputs[next];
                if ((leaves is not null || input.Node is not null) && visited.Add(input)) stack.Push((input, 0));
            }
            else if (tensor.Node is not null) order.Add(tensor);
            else leaves?.Add(tensor);
        }
    }
}
