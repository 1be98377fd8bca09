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
}
