using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Models;

/// <summary>Model descriptions checked against an image dataset's shape and classes, before any data is loaded.</summary>
public static class ImageModel
{
    /// <summary>Parses <paramref name="text"/> and checks it on <paramref name="dataset"/>'s images.</summary>
    public static ModelDescription Checked(string text, string dataset) => Checked(ModelDescription.Parse(text), dataset);

    /// <summary>
    /// <paramref name="models"/> with the input shape, class count and label of <paramref name="dataset"/>: what
    /// <see cref="Framework.IExperiment.Models"/> gives <c>describe</c> for an experiment of image models.
    /// </summary>
    public static IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> On(string dataset, params IEnumerable<ModelDescription> models)
    {
        var info = ImageDatasets.Of(dataset);
        return models.Select(m => (m, info.Shape, info.Classes, info.Label));
    }

    /// <summary>Checks <paramref name="model"/> on <paramref name="dataset"/>'s images; the error names the dataset.</summary>
    /// <exception cref="ArgumentException">The model does not take the images or does not end with one value per class.</exception>
    public static ModelDescription Checked(ModelDescription model, string dataset)
    {
        var info = ImageDatasets.Of(dataset);
        try { model.Check(info.Shape, info.Classes); }
        catch (ArgumentException e) { throw new ArgumentException($"On {info.Label} ({string.Join("x", info.Shape)} images, {info.Classes} classes): {e.Message}", e); }
        return model;
    }
}
