using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>Applies its layers in order. Layer i's parameters are named <c>layers.i.&lt;name&gt;</c>.</summary>
/// <remarks>
/// A layer that fuses with the one after it (<see cref="IFusesWithNext{T}"/>: a <see cref="Conv2D{T}"/> followed by a
/// <see cref="Relu{T}"/>, and on a thin input also a 2x2 <see cref="MaxPool2D{T}"/>) runs them as one op, which keeps one
/// activation less in memory; values and gradients are those of the layers run one after the other.
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
            if (_layers[i] is IFusesWithNext<T> layer)
            {
                if (i + 2 < _layers.Count && layer.TryForwardWith(_layers[i + 1], _layers[i + 2], x, out var three))
                {
                    x = three;
                    i += 2;
                    continue;
                }
                if (i + 1 < _layers.Count && layer.TryForwardWith(_layers[i + 1], x, out var two))
                {
                    x = two;
                    i++;
                    continue;
                }
            }
            x = _layers[i].Forward(x);
        }
        return x;
    }
}
