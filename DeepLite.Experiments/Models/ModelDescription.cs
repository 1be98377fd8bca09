using System.Globalization;
using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Models;

/// <summary>
/// A model as data: a name and a comma-separated list of layers, as a setting holds it and <c>--set</c> takes it, e.g.
/// <c>"CNN 1 hidden: conv 612 3x3 same, relu, maxpool 2, dense 10"</c>. The layers (docs/hw1.md, "Models as data"):
/// <list type="bullet">
/// <item><c>dense N</c>: a fully connected layer to N features (PyTorch's Linear; Keras's Dense); after an image-shaped
/// output it flattens first.</item>
/// <item><c>conv N KxK [same|valid] [stride S]</c>: a 2-D convolution to N channels (PyTorch's Conv2d; padding valid
/// unless same).</item>
/// <item><c>maxpool K [stride S]</c>: max pooling (stride K unless given).</item>
/// <item><c>batchnorm</c>, <c>dropout P</c>, <c>flatten</c>, and the activations <c>relu</c>, <c>leakyrelu [slope]</c>,
/// <c>tanh</c>, <c>sigmoid</c>, <c>gelu</c>, <c>silu</c>, <c>selu</c>.</item>
/// </list>
/// The input's shape comes from the data; the last layer must give one value per class (or output), which
/// <see cref="Check"/> says before any work. Layers are made in order from one seeded generator, so a description
/// builds the model HW1's code built (the same draws, the same bytes).
/// </summary>
public sealed record ModelDescription(string Name, IReadOnlyList<ModelDescription.Layer> Layers)
{
    /// <summary>One layer: its kind and its numbers (<see cref="Units"/> features or channels, kernel, stride, rate).</summary>
    public sealed record Layer(string Kind, int Units = 0, int Kernel = 0, int Stride = 0, bool Same = false, double Rate = 0, string Text = "")
    {
        /// <summary>The layer as written in a description.</summary>
        public override string ToString() => Text;
    }

    private static readonly string[] Activations = ["relu", "leakyrelu", "tanh", "sigmoid", "gelu", "silu", "selu"];

    /// <summary>The layer kinds a description may use.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["dense", "conv", "maxpool", "batchnorm", "dropout", "flatten", .. Activations];

    /// <summary>"name: layer, layer, ..." as written.</summary>
    public override string ToString() => $"{Name}: {string.Join(", ", Layers)}";

    /// <summary>
    /// Parses <c>"name: layer, layer, ..."</c> (without a name, its layers joined by " + " name the model).
    /// </summary>
    /// <exception cref="ArgumentException">A layer that is not one of <see cref="Kinds"/>, or has a wrong number, naming it and its position.</exception>
    public static ModelDescription Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        // Unnamed, the layers name it ("dense 64 + relu + dense 10": a name holds no comma).
        var name = colon >= 0 ? text[..colon].Trim() : string.Join(" + ", text.Split(',').Select(p => p.Trim()));
        var body = colon >= 0 ? text[(colon + 1)..] : text;
        if (name.Length == 0) throw new ArgumentException($"Model '{text}': the name before ':' is empty.");
        if (name.IndexOfAny(['/', ',', ';', '\\']) >= 0) throw new ArgumentException($"Model '{name}': a name may not hold '/', ',', ';' or '\\' (it names runs and files); put ':' between the name and the layers.");
        var parts = body.Split(',').Select(p => p.Trim()).ToList();
        if (parts.Count == 0 || parts.All(p => p.Length == 0)) throw new ArgumentException($"Model '{name}': no layers; e.g. 'dense 128, relu, dense 10'.");
        return new ModelDescription(name, [.. parts.Select((p, i) => ParseLayer(name, i + 1, p))]);
    }

    /// <summary>Parses a model list (a setting's value): each as <see cref="Parse"/>, their names distinct.</summary>
    public static IReadOnlyList<ModelDescription> ParseAll(IEnumerable<string> texts)
    {
        var models = texts.Select(Parse).ToList();
        if (models.Count == 0) throw new ArgumentException("The model list is empty: give at least one 'name: layers'.");
        if (models.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two models are named '{twice.Key}'; each model's name must differ (it names its runs and curves).");
        return models;
    }

    private static Layer ParseLayer(string model, int position, string text)
    {
        var words = text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        ArgumentException Bad(string why) => new($"Model '{model}', layer {position} '{text}': {why}");
        if (words.Length == 0) throw Bad("empty (two commas in a row?)");
        int Whole(int at, string what)
        {
            if (at >= words.Length) throw Bad($"needs {what}");
            return int.TryParse(words[at], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Bad($"{what} must be a positive whole number, got '{words[at]}'");
        }
        int Stride(int at) => at < words.Length && words[at] == "stride" ? Whole(at + 1, "a stride after 'stride'") : 0;
        void End(int used)
        {
            if (words.Length > used) throw Bad($"unexpected '{string.Join(' ', words[used..])}'");
        }
        switch (words[0])
        {
            case "dense" or "linear":
                { int n = Whole(1, "a width (dense N)"); End(2); return new Layer("dense", Units: n, Text: text); }
            case "conv" or "conv2d":
                {
                    int n = Whole(1, "a channel count (conv N KxK)");
                    if (words.Length < 3) throw Bad("needs a kernel size (conv N KxK, e.g. conv 64 3x3)");
                    var k = words[2].Split('x');
                    if (k.Length > 2 || !int.TryParse(k[0], NumberStyles.None, CultureInfo.InvariantCulture, out int kernel) || kernel <= 0 || k.Length == 2 && k[1] != k[0])
                        throw Bad($"the kernel must be KxK or K with K positive (square kernels), got '{words[2]}'");
                    int at = 3;
                    bool same = false;
                    if (at < words.Length && words[at] is "same" or "valid") same = words[at++] == "same";
                    int stride = Stride(at);
                    End(stride > 0 ? at + 2 : at);
                    if (same && stride > 1) throw Bad("'same' padding needs stride 1 (as in PyTorch)");
                    return new Layer("conv", Units: n, Kernel: kernel, Stride: Math.Max(stride, 1), Same: same, Text: text);
                }
            case "maxpool":
                {
                    int kernel = words.Length > 1 ? Whole(1, "a pool size") : 2;
                    int stride = Stride(2);
                    End(words.Length > 1 ? (stride > 0 ? 4 : 2) : 1);
                    return new Layer("maxpool", Kernel: kernel, Stride: stride > 0 ? stride : kernel, Text: text);
                }
            case "dropout":
                {
                    if (words.Length < 2 || !double.TryParse(words[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !(p >= 0 && p < 1))
                        throw Bad($"needs a probability in [0, 1) (dropout 0.5), got '{(words.Length > 1 ? words[1] : "nothing")}'");
                    End(2);
                    return new Layer("dropout", Rate: p, Text: text);
                }
            case "leakyrelu":
                {
                    double slope = 0.01;
                    if (words.Length > 1 && (!double.TryParse(words[1], NumberStyles.Float, CultureInfo.InvariantCulture, out slope) || !double.IsFinite(slope)))
                        throw Bad($"the slope must be a number, got '{words[1]}'");
                    End(words.Length > 1 ? 2 : 1);
                    return new Layer("leakyrelu", Rate: slope, Text: text);
                }
            case var kind when Kinds.Contains(kind):
                End(1);
                return new Layer(kind, Text: text);
            default:
                throw Bad($"unknown layer '{words[0]}'; the layers are {string.Join(", ", Kinds)} (docs/hw1.md, \"Models as data\")");
        }
    }

    /// <summary>
    /// Each layer's output shape (without the batch) and parameter count for inputs of <paramref name="input"/>
    /// ([features] or [channels, height, width]); checks that each layer takes its input and that the model ends with
    /// <paramref name="outputs"/> values.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the model, the layer and the shapes.</exception>
    public IReadOnlyList<(Layer Layer, int[] Output, long Parameters)> Check(int[] input, int outputs)
    {
        var rows = new List<(Layer, int[], long)>();
        var shape = input;
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            ArgumentException Bad(string why) => new($"Model '{Name}', layer {i + 1} '{layer}': {why} (its input: {Show(shape)}).");
            long parameters = 0;
            switch (layer.Kind)
            {
                case "dense":
                    long features = shape.Aggregate(1L, (a, b) => a * b);
                    parameters = features * layer.Units + layer.Units;
                    shape = [layer.Units];
                    break;
                case "conv":
                case "maxpool":
                    if (shape.Length != 3) throw Bad("needs an image-shaped input [channels, height, width]");
                    // 'same' keeps the size (stride 1, as PyTorch requires); otherwise the window slides without padding.
                    if (!layer.Same && (shape[1] < layer.Kernel || shape[2] < layer.Kernel))
                        throw Bad($"the {layer.Kernel}x{layer.Kernel} window is larger than the {shape[1]}x{shape[2]} image");
                    int h = layer.Same ? shape[1] : (shape[1] - layer.Kernel) / layer.Stride + 1, w = layer.Same ? shape[2] : (shape[2] - layer.Kernel) / layer.Stride + 1;
                    if (layer.Kind == "conv") parameters = (long)shape[0] * layer.Units * layer.Kernel * layer.Kernel + layer.Units;
                    shape = [layer.Kind == "conv" ? layer.Units : shape[0], h, w];
                    break;
                case "batchnorm":
                    parameters = 2L * shape[0];
                    break;
                case "flatten":
                    shape = [shape.Aggregate(1, (a, b) => a * b)];
                    break;
            }
            rows.Add((layer, shape, parameters));
        }
        if (shape is not [var last] || last != outputs)
            throw new ArgumentException($"Model '{Name}' ends with output {Show(shape)}; the data needs {outputs} values per example: end with 'dense {outputs}'.");
        return rows;
    }

    /// <summary>The number of parameters for inputs of <paramref name="input"/>.</summary>
    public long ParameterCount(int[] input, int outputs) => Check(input, outputs).Sum(r => r.Parameters);

    /// <summary>
    /// The model for inputs of <paramref name="input"/> ([features] or [channels, height, width]) ending in
    /// <paramref name="outputs"/> values, its weights drawn from <paramref name="random"/> layer by layer.
    /// </summary>
    public Sequential<T> Build<T>(int[] input, int outputs, SeededRandom random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = Check(input, outputs);
        var model = new Sequential<T>();
        var shape = input;
        foreach (var (layer, output, _) in rows)
        {
            switch (layer.Kind)
            {
                case "dense":
                    if (shape.Length > 1) model.Add(new Flatten<T>());
                    model.Add(new Dense<T>(shape.Aggregate(1, (a, b) => a * b), layer.Units, random));
                    break;
                case "conv":
                    model.Add(new Conv2D<T>(shape[0], layer.Units, layer.Kernel, random, stride: layer.Stride, padding: layer.Same ? Padding.Same : Padding.Valid));
                    break;
                case "maxpool": model.Add(new MaxPool2D<T>(layer.Kernel, layer.Stride)); break;
                case "batchnorm": model.Add(new BatchNorm<T>(shape[0])); break;
                case "dropout": model.Add(new Dropout<T>(layer.Rate, random)); break;
                case "flatten": model.Add(new Flatten<T>()); break;
                case "relu": model.Add(new Relu<T>()); break;
                case "leakyrelu": model.Add(new LeakyRelu<T>(layer.Rate)); break;
                case "tanh": model.Add(new Tanh<T>()); break;
                case "sigmoid": model.Add(new Sigmoid<T>()); break;
                case "gelu": model.Add(new Gelu<T>()); break;
                case "silu": model.Add(new Silu<T>()); break;
                case "selu": model.Add(new Selu<T>()); break;
                default: throw new InvalidOperationException($"layer kind '{layer.Kind}' has no builder");
            }
            shape = output;
        }
        return model;
    }

    private static string Show(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
