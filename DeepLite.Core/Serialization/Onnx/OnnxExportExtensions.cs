using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization.Onnx;

/// <summary>PyTorch's <c>torch.onnx.export</c> as extension methods of <see cref="Module{T}"/> (<c>using DeepLite.Serialization.Onnx;</c>).</summary>
public static class OnnxExportExtensions
{
    /// <summary>
    /// Writes the model as an ONNX file for inputs of [N, ..<paramref name="inputShape"/>] (the shape without the batch
    /// dimension, which stays dynamic): a <see cref="Sequential{T}"/> of the public layers, or one of them, as standard
    /// operators in evaluation mode, its parameters and buffers as initializers under their
    /// <see cref="Module{T}.NamedState"/> names. ONNX Runtime, Netron and the ONNX converters read it. A layer without an
    /// ONNX form (a custom module) is refused with a <see cref="NotSupportedException"/> naming it; the file is written
    /// atomically.
    /// </summary>
    public static void ExportOnnx<T>(this Module<T> model, string path, int[] inputShape, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T> => OnnxExporter.Export(model, path, inputShape, options);

    /// <summary>
    /// <see cref="ExportOnnx{T}(Module{T}, string, int[], OnnxExportOptions?)"/> for inputs shaped as
    /// <paramref name="sampleInput"/> ([N, ...]; its batch size and values do not matter), as PyTorch's export takes a sample.
    /// </summary>
    public static void ExportOnnx<T>(this Module<T> model, string path, Tensor<T> sampleInput, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sampleInput);
        if (sampleInput.Rank < 2) throw new ArgumentException($"ExportOnnx: the sample input must be a batch [N, ...], got shape {sampleInput.Shape}.");
        OnnxExporter.Export(model, path, sampleInput.Shape.Dims[1..].ToArray(), options);
    }
}
