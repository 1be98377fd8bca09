using DeepLite.Data;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// The image datasets an experiment may take as a setting, with what a plan needs before any data is loaded: the shape
/// of one image, the class count and the training set's size (for checking models and estimating costs), the chart
/// label and the per-channel statistics standardized training feeds.
/// </summary>
public static class ImageDatasets
{
    /// <summary>One dataset's facts.</summary>
    public sealed record Info(string Name, string Label, int[] Shape, int Classes, int TrainImages, int TestImages, Normalization Standardization);

    /// <summary>The datasets by the data store's name.</summary>
    public static IReadOnlyList<Info> All { get; } =
    [
        new("mnist", "MNIST", [1, 28, 28], 10, 60_000, 10_000, Normalization.Mnist),
        // Fashion-MNIST's usual statistics (mean 0.2860, deviation 0.3530 over the training images).
        new("fashion-mnist", "Fashion-MNIST", [1, 28, 28], 10, 60_000, 10_000, new Normalization([0.2860f], [0.3530f])),
        new("cifar10", "CIFAR-10", [3, 32, 32], 10, 50_000, 10_000, Normalization.Cifar10),
    ];

    /// <summary>The names, as a setting's choices.</summary>
    public const string Names = "mnist, fashion-mnist, cifar10";

    /// <summary>The facts of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">An unknown name, naming the known ones.</exception>
    public static Info Of(string name) => All.FirstOrDefault(d => d.Name == name)
        ?? throw new ArgumentException($"Unknown image dataset '{name}'; the experiments take {Names}.");
}
