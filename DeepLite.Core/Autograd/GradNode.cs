using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Autograd;

/// <summary>
/// One recorded operation on the tape: its inputs and the function that maps the gradient of its
/// output to the gradients of its inputs. The backward function is written with tensor operations,
/// so when the engine runs it with recording on, the backward pass is itself differentiable.
/// </summary>
internal sealed class GradNode<T>(string op, Tensor<T>[] inputs, Func<Tensor<T>, Tensor<T>?[]> backward, object? attributes = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private Func<Tensor<T>, Tensor<T>?[]>? _backward = backward;

    /// <summary>The operation's name, e.g. "MatMul".</summary>
    public string Op { get; } = op;

    /// <summary>The operation with its operand shapes, for error messages.</summary>
    public string Signature => $"{Op}({string.Join(", ", Inputs.Select(i => i.Shape.ToString()))})";

    public Tensor<T>[] Inputs { get; } = inputs;

    /// <summary>
    /// What the op computed with besides its inputs' values and its output's shape (a scale, an axis, a convolution's
    /// geometry: one of the records of <c>Tensors/Ops/OpAttributes.cs</c>), so that a traced graph can be written out
    /// (the ONNX exporter); null for ops that need none. The backward pass never reads it.
    /// </summary>
    public object? Attributes { get; } = attributes;

    public bool Released => _backward is null;

    public Tensor<T>?[] Backward(Tensor<T> gradOutput)
    {
        var fn = _backward ?? throw new InvalidOperationException(
            $"Backward through a graph that was already freed: {Signature} released its saved tensors after the first backward pass. " +
            "Pass retainGraph: true to the first Backward/Grad call to backward through the graph twice.");
        return fn(gradOutput);
    }

    /// <summary>Drops the saved tensors so their memory can be reclaimed; a later backward pass throws.</summary>
    public void Release() => _backward = null;
}
