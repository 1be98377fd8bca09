using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>Applies its layers in order. Layer i's parameters are named <c>layers.i.&lt;name&gt;</c>.</summary>
/// <remarks>
/// A <see cref="Conv2D{T}"/> directly followed by a <see cref="Relu{T}"/> runs as one op (ReLU in place on the
/// convolution's output), which keeps one activation less per conv layer in memory; values and gradients are
/// those of the two layers.
/// </remarks>
public sealed class Sequential<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Module<T>> _layers = [];

    /// <summary>Creates the chain from <paramref name="layers"/>.</summary>
    public Sequential(params Module<T>[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a layer.</summary>
    public Sequential<T> Add(Module<T> layer)
    {
        RegisterModule($"layers.{_layers.Count}", layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<Module<T>> Layers => _layers;

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        var x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            if (_layers[i] is Conv2D<T> conv && i + 1 < _layers.Count && _layers[i + 1] is Relu<T>)
            {
                x = conv.ForwardRelu(x);
                i++;
            }
            else x = _layers[i].Forward(x);
        }
        return x;
    }
}
