using System.Globalization;
using System.Numerics;
using System.Text;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A Keras-style summary of a model (Keras' <c>model.summary()</c>): one row per layer with its output shape for a
/// given input shape and its parameter count, then the totals. The output shapes come from running the layers on
/// a zero input of batch 1 in evaluation mode (no gradients recorded, no running statistics or random draws
/// changed, the step's tensors returned to the pool; the model's mode is restored).
/// </summary>
public static class ModelSummary
{
    /// <summary>
    /// The summary of <paramref name="model"/> for inputs of <paramref name="inputShape"/> (without the batch
    /// dimension, e.g. 1, 28, 28). A <see cref="Sequential{T}"/> gets a row per layer; any other module one row.
    /// </summary>
    public static string Format<T>(Module<T> model, params int[] inputShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        // In evaluation mode, so that nothing changes: no running statistics move, no dropout draws a mask.
        bool training = model.IsTraining;
        model.Eval();
        List<(string Layer, string Output, long Parameters)> rows;
        try { rows = Rows(model, inputShape); }
        finally { if (training) model.Train(); }
        int w0 = Math.Max("Layer (type)".Length, rows.Max(r => r.Layer.Length)), w1 = Math.Max("Output Shape".Length, rows.Max(r => r.Output.Length));
        string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        int w2 = Math.Max("Param #".Length, rows.Max(r => Count(r.Parameters).Length));
        var rule = new string('-', w0 + w1 + w2 + 4);
        var text = new StringBuilder();
        text.AppendLine($"{"Layer (type)".PadRight(w0)}  {"Output Shape".PadRight(w1)}  {"Param #".PadLeft(w2)}");
        text.AppendLine(rule);
        foreach (var (layer, output, parameters) in rows)
            text.AppendLine($"{layer.PadRight(w0)}  {output.PadRight(w1)}  {Count(parameters).PadLeft(w2)}");
        text.AppendLine(rule);
        long total = model.ParameterCount, trainable = model.Parameters().Where(p => p.RequiresGrad).Sum(p => (long)p.Size);
        text.AppendLine($"Total params: {Count(total)}");
        text.AppendLine($"Trainable params: {Count(trainable)}");
        text.Append($"Non-trainable params: {Count(total - trainable)}");
        return text.ToString();
    }

    private static List<(string Layer, string Output, long Parameters)> Rows<T>(Module<T> model, int[] inputShape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = new List<(string Layer, string Output, long Parameters)>();
        using var noGradients = GradMode.Disable();
        using var scope = TensorPool.BeginScope();
        var x = Tensor<T>.Zeros([1, .. inputShape]);
        IEnumerable<(string Name, Module<T> Module)> layers = model is Sequential<T> ? model.Children() : [("", model)];
        foreach (var (name, layer) in layers)
        {
            try { x = layer.Forward(x); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new ArgumentException($"Summary: layer {Label(name, layer)} does not take the output of the layer before it, of shape {Shape(x)}: {e.Message}", nameof(inputShape), e);
            }
            rows.Add((Label(name, layer), Shape(x), layer.ParameterCount));
        }
        return rows;
    }

    /// <summary>A layer as the summary's rows and the exporters' messages name it: "layers.0 (Conv2D)", or the type alone at the root.</summary>
    internal static string Label<T>(string name, Module<T> layer) where T : unmanaged, IFloatingPointIeee754<T> =>
        name.Length == 0 ? layer.TypeName : $"{name} ({layer.TypeName})";

    /// <summary>Keras' notation: the batch dimension as None.</summary>
    private static string Shape<T>(Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        "(" + string.Join(", ", x.Shape.Dims.ToArray().Select((d, i) => i == 0 ? "None" : d.ToString(CultureInfo.InvariantCulture))) + ")";
}
