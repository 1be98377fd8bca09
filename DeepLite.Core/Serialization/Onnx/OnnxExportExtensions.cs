using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization.Onnx;

/// <summary>PyTorch's <c>torch.onnx.export</c> as extension methods of <see cref="Module{T}"/> (<c>using DeepLite.Serialization.Onnx;</c>).</summary>
public static class OnnxExportExtensions
{
    /// <summary>
    /// Writes the model as an ONNX file for inputs of [N, ..<paramref name="inputShape"/>] (the shape without the batch
    /// dimension, which stays dynamic), in evaluation mode, its parameters and buffers as initializers under their
    /// <see cref="Module{T}.NamedState"/> names; ONNX Runtime, Netron and the ONNX converters read it. A
    /// <see cref="Sequential{T}"/> of the public layers, or one of them, is written layer by layer as standard operators.
    /// Any other module (a residual block, a <see cref="Gpt{T}"/>, your own) is traced as PyTorch's
    /// <c>torch.onnx.export</c> does: its Forward runs once on zeros of [1, ..inputShape] and the recorded ops are
    /// written; pass a sample with the other overload when zeros are not a valid input. An op without an ONNX form is
    /// refused with a <see cref="NotSupportedException"/> naming it; the file is written atomically.
    /// </summary>
    public static void ExportOnnx<T>(this Module<T> model, string path, int[] inputShape, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T> => OnnxExporter.Export(model, path, inputShape, options);

    /// <summary>
    /// <see cref="ExportOnnx{T}(Module{T}, string, int[], OnnxExportOptions?)"/> for inputs shaped as
    /// <paramref name="sampleInput"/> ([N, ...]), as PyTorch's export takes a sample. A traced model runs on it, so it
    /// must be a valid input (token indices for a <see cref="Gpt{T}"/>: the ONNX input is then int64 tokens). What the
    /// trace writes: every recorded op; values the forward pass reaches without one (a mask it builds, indices not read
    /// from the input) are constants, and its control flow is the sample's, as with PyTorch's tracer. The batch
    /// dimension stays dynamic when a second trace at another batch size shows it can; the other dimensions are the
    /// sample's (a GPT exported on [1, 64] tokens takes 64 tokens).
    /// </summary>
    public static void ExportOnnx<T>(this Module<T> model, string path, Tensor<T> sampleInput, OnnxExportOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(sampleInput);
        if (sampleInput.Rank < 2) throw new ArgumentException($"ExportOnnx: the sample input must be a batch [N, ...], got shape {sampleInput.Shape}.");
        OnnxExporter.Export(model, path, sampleInput.Shape.Dims[1..].ToArray(), options, sampleInput);
    }
}
