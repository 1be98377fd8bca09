namespace DeepLite.Serialization.Onnx;

/// <summary>How <see cref="OnnxExportExtensions.ExportOnnx{T}(Layers.Module{T}, string, int[], OnnxExportOptions?)"/> writes a model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest operator-set version the exporter writes.</summary>
    public const int MinimumOpset = 13;

    /// <summary>The highest operator-set version the exporter writes (IR version 9 reaches opset 20).</summary>
    public const int MaximumOpset = 20;

    /// <summary>The ONNX operator-set version (default 17, which ONNX Runtime, Netron and the common converters read); 13..20.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>Appends a Softmax over the classes, so the model outputs probabilities instead of logits.</summary>
    public bool SoftmaxOutput { get; init; }

    /// <summary>The graph input's name.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The graph output's name.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>The name of the batch dimension, left dynamic in the input and the output.</summary>
    public string BatchDimension { get; init; } = "N";

    /// <summary>The graph's name.</summary>
    public string GraphName { get; init; } = "deeplite";

    /// <summary>The model's version number (ONNX's model_version).</summary>
    public long ModelVersion { get; init; }

    /// <summary>Key-value pairs stored as the model's metadata_props.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// The per-channel normalization the model's inputs were given in training (PyTorch's <c>transforms.Normalize</c>;
    /// DeepLite's <c>Normalization</c> of the dataset, e.g. <c>new(Normalization.Mnist.Mean, Normalization.Mnist.Std)</c>).
    /// A model trained on normalized inputs computes nonsense on raw ones, and the graph alone does not say so: given,
    /// it is recorded in the metadata_props (<c>deeplite.input_mean</c>, <c>deeplite.input_std</c>,
    /// <c>deeplite.input_normalized_in_graph</c>), and with <see cref="OnnxInputNormalization.InGraph"/> written as
    /// the graph's first nodes (Sub, Div), so the deployed model takes the unnormalized inputs (pixels scaled to [0, 1]).
    /// Without it in the graph, whoever runs the model must apply (x - mean) / std first.
    /// </summary>
    public OnnxInputNormalization? InputNormalization { get; init; }
}

/// <summary>
/// The input normalization of an exported model, (x - <paramref name="Mean"/>[c]) / <paramref name="Std"/>[c] for
/// channel c (the input's first dimension after the batch; one value applies to every channel).
/// </summary>
/// <param name="Mean">The per-channel means.</param>
/// <param name="Std">The per-channel standard deviations (positive).</param>
/// <param name="InGraph">Write it into the graph as its first nodes (default), instead of only recording it in the metadata.</param>
public sealed record OnnxInputNormalization(float[] Mean, float[] Std, bool InGraph = true);
