using System.Numerics;
using DeepLite.Kernels;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// How a layer's weight and bias start. Fan-in and fan-out count the inputs and outputs of one unit
/// (for a convolution, channels times kernel area). Every draw comes from the caller's seeded generator.
/// </summary>
public sealed class Initializer
{
    private readonly Func<int, int, SeededRandom, double> _weight;
    private readonly Func<int, int, SeededRandom, double> _bias;

    private Initializer(string name, Func<int, int, SeededRandom, double> weight, Func<int, int, SeededRandom, double> bias)
    {
        Name = name; _weight = weight; _bias = bias;
    }

    /// <summary>The initializer's name.</summary>
    public string Name { get; }

    /// <summary>Keras' default: weights U(-l, l) with l = sqrt(6 / (fanIn + fanOut)); zero biases.</summary>
    public static Initializer GlorotUniform { get; } = new("GlorotUniform",
        (fi, fo, r) => r.Uniform(-1, 1) * Math.Sqrt(6.0 / (fi + fo)), (_, _, _) => 0);

    /// <summary>He (Kaiming) normal for ReLU nets: weights N(0, 2 / fanIn); zero biases.</summary>
    public static Initializer HeNormal { get; } = new("HeNormal",
        (fi, _, r) => r.Normal() * Math.Sqrt(2.0 / fi), (_, _, _) => 0);

    /// <summary>He (Kaiming) uniform: weights U(-l, l) with l = sqrt(6 / fanIn); zero biases.</summary>
    public static Initializer HeUniform { get; } = new("HeUniform",
        (fi, _, r) => r.Uniform(-1, 1) * Math.Sqrt(6.0 / fi), (_, _, _) => 0);

    /// <summary>
    /// PyTorch's default for Linear and Conv2d (kaiming_uniform with a = sqrt(5)): weights and biases
    /// U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    /// </summary>
    public static Initializer PyTorchDefault { get; } = new("PyTorchDefault",
        (fi, _, r) => r.Uniform(-1, 1) / Math.Sqrt(fi), (fi, _, r) => r.Uniform(-1, 1) / Math.Sqrt(fi));

    /// <summary>
    /// Weights N(<paramref name="mean"/>, <paramref name="std"/>²) whatever the fans, zero biases (PyTorch's
    /// <c>nn.init.normal_(w, mean, std)</c> with <c>zeros_(b)</c>: GPT-2's and nanoGPT's std 0.02).
    /// </summary>
    public static Initializer Normal(double mean = 0, double std = 1)
    {
        if (!(std >= 0) || !double.IsFinite(std) || !double.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(std), $"Initializer.Normal: the mean and std must be finite and the std non-negative, got {mean} and {std}.");
        return new($"Normal({mean}, {std})", (_, _, r) => mean + std * r.Normal(), (_, _, _) => 0);
    }

    /// <summary>A weight tensor of <paramref name="shape"/> drawn for the given fans.</summary>
    public Tensor<T> Weight<T>(Shape shape, int fanIn, int fanOut, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T> =>
        Fill<T>(shape, fanIn, fanOut, random, _weight);

    /// <summary>A bias tensor of <paramref name="shape"/> drawn for the given fans.</summary>
    public Tensor<T> Bias<T>(Shape shape, int fanIn, int fanOut, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T> =>
        Fill<T>(shape, fanIn, fanOut, random, _bias);

    private static Tensor<T> Fill<T>(Shape shape, int fanIn, int fanOut, SeededRandom random, Func<int, int, SeededRandom, double> draw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (fanIn <= 0 || fanOut <= 0) throw new ArgumentException($"Initializer: fans must be positive, got fanIn {fanIn}, fanOut {fanOut} for shape {shape}.");
        // Parameters own their memory: never from a TensorPool scope, even when a model is built inside one.
        var t = new Tensor<T>(shape, Allocation.Array<T>(shape.Size, "a parameter", zeroed: true));
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = T.CreateChecked(draw(fanIn, fanOut, random));
        return t;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
