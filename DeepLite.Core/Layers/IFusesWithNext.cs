using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A layer that computes itself and the layer after it (or the two after it) as one op when that pays (Conv2D then ReLU:
/// ReLU in place on the convolution's output, one activation less kept per layer). A container asks each layer; the
/// layer decides, so the container knows no layer types. Values and gradients are those of the layers run one after the
/// other.
/// </summary>
internal interface IFusesWithNext<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>next(this(input)) as one op, when this layer fuses with <paramref name="next"/>; else false.</summary>
    bool TryForwardWith(Module<T> next, Tensor<T> input, out Tensor<T> output);

    /// <summary>
    /// afterNext(next(this(input))) as one op, when this layer fuses with both (Conv2D, ReLU, 2x2 max pooling of a thin
    /// first layer: the convolution's output is never kept); else false.
    /// </summary>
    bool TryForwardWith(Module<T> next, Module<T> afterNext, Tensor<T> input, out Tensor<T> output);
}
