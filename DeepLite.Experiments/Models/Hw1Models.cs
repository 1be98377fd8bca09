using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Models;

/// <summary>The models of HW1 (docs/hw1.md), built from a seeded generator (ReLU hidden layers).</summary>
public static class Hw1Models
{
    /// <summary>A fully connected net with the given widths, ReLU between layers, none after the last.</summary>
    public static Sequential<T> Mlp<T>(SeededRandom random, params int[] widths) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (widths.Length < 2) throw new ArgumentException("An MLP needs at least an input and an output width.");
        var model = new Sequential<T>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            model.Add(new Dense<T>(widths[i], widths[i + 1], random));
            if (i + 2 < widths.Length) model.Add(new Relu<T>());
        }
        return model;
    }

    /// <summary>An MLP for images: flattens [N, C, H, W] to [N, C*H*W] first (widths[0] must be C*H*W).</summary>
    public static Sequential<float> ImageMlp(SeededRandom random, params int[] widths)
    {
        var model = new Sequential<float>(new Flatten<float>());
        foreach (var layer in Mlp<float>(random, widths).Layers) model.Add(layer);
        return model;
    }

    /// <summary>HW1-1-1's three function approximators of about 840 parameters: shallow, mid, deep.</summary>
    public static IReadOnlyList<(string Name, int[] Widths)> FunctionNets { get; } =
    [
        ("shallow 1-280-1", [1, 280, 1]),
        ("mid 1-15-20-15-10-1", [1, 15, 20, 15, 10, 1]),
        ("deep 1-10-10-10-15-15-10-5-1", [1, 10, 10, 10, 15, 15, 10, 5, 1]),
    ];

    /// <summary>HW1-1-2's CNNs: 3x3 same convolutions with ReLU, 2x2 max pools, a dense softmax layer.</summary>
    public static IReadOnlyList<(string Name, string[] Layers)> Cnns { get; } =
    [
        ("CNN 1 hidden", ["c612", "p"]),
        ("CNN 4 hidden", ["c64", "p", "c128", "p", "c256", "p", "c480"]),
        // The report lists these seven convolutions for its "8 hidden" model.
        ("CNN 8 hidden", ["c64", "p", "c128", "c128", "p", "c128", "c128", "p", "c256", "c256"]),
    ];

    /// <summary>Builds a CNN from its layer list ("cN": conv to N channels, "p": pool) for the input size.</summary>
    public static Sequential<float> Cnn(string[] layers, int channels, int size, int classes, SeededRandom random)
    {
        var model = new Sequential<float>();
        foreach (var layer in layers)
        {
            if (layer == "p")
            {
                model.Add(new MaxPool2D<float>());
                size /= 2;
                continue;
            }
            int filters = int.Parse(layer[1..]);
            model.Add(new Conv2D<float>(channels, filters, 3, random, padding: Padding.Same));
            model.Add(new Relu<float>());
            channels = filters;
        }
        model.Add(new Flatten<float>());
        model.Add(new Dense<float>(channels * size * size, classes, random));
        return model;
    }
}
