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

    /// <summary>HW1-1-1's three function approximators of about 840 parameters (input and output one value): shallow, mid, deep.</summary>
    public static string[] FunctionNets { get; } =
    [
        "shallow 1-280-1: dense 280, relu, dense 1",
        "mid 1-15-20-15-10-1: dense 15, relu, dense 20, relu, dense 15, relu, dense 10, relu, dense 1",
        "deep 1-10-10-10-15-15-10-5-1: dense 10, relu, dense 10, relu, dense 10, relu, dense 15, relu, dense 15, relu, dense 10, relu, dense 5, relu, dense 1",
    ];

    /// <summary>HW1-1-2's CNNs of about 1.55M parameters: 3x3 same convolutions with ReLU, 2x2 max pools, a dense softmax layer.</summary>
    public static string[] Cnns { get; } =
    [
        "CNN 1 hidden: conv 612 3x3 same, relu, maxpool 2, dense 10",
        "CNN 4 hidden: conv 64 3x3 same, relu, maxpool 2, conv 128 3x3 same, relu, maxpool 2, conv 256 3x3 same, relu, maxpool 2, conv 480 3x3 same, relu, dense 10",
        // The report lists these seven convolutions for its "8 hidden" model.
        "CNN 8 hidden: conv 64 3x3 same, relu, maxpool 2, conv 128 3x3 same, relu, conv 128 3x3 same, relu, maxpool 2, conv 128 3x3 same, relu, conv 128 3x3 same, relu, maxpool 2, conv 256 3x3 same, relu, conv 256 3x3 same, relu, dense 10",
    ];

    /// <summary>HW1-3's MLP of random labels and flatness: 784-256-128-10 on MNIST.</summary>
    public const string Mlp256 = "mlp-784-256-128-10: dense 256, relu, dense 128, relu, dense 10";

    /// <summary>HW1-3-3's sensitivity MLP: 784-128-10.</summary>
    public const string Mlp128 = "mlp-784-128-10: dense 128, relu, dense 10";
}
