using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using DeepLite.Autograd;
using DeepLite.Layers;
using DeepLite.Tensors;
using Google.Protobuf;

namespace DeepLite.Serialization.Onnx;

/// <summary>
/// Writes a model as an ONNX graph. A <see cref="Sequential{T}"/> of the public layers (or one such layer) is written
/// here layer by layer, any other module by tracing (OnnxExporter.Trace.cs). Layer by layer: one or a few
/// standard operators per layer in the layers' order (so the nodes are in topological order), the parameters and
/// buffers as initializers under their <see cref="Module{T}.NamedState"/> names, typed input and output with a dynamic
/// batch dimension. Each layer's ONNX form is what its Forward computes in evaluation mode (BatchNorm with its running
/// statistics, Dropout the identity); paddings are written as explicit pads, resolved for the input's size.
/// </summary>
internal static partial class OnnxExporter
{
    /// <summary>The layers written layer by layer (each as its ONNX operator); a model of anything else is traced.</summary>
    private static readonly Type[] LayerTypes =
    [
        typeof(Dense<>), typeof(Conv2D<>), typeof(MaxPool2D<>), typeof(AvgPool2D<>), typeof(GlobalAvgPool2D<>), typeof(Layers.Flatten<>),
        typeof(BatchNorm<>), typeof(LayerNorm<>), typeof(Dropout<>), typeof(Relu<>), typeof(LeakyRelu<>), typeof(Gelu<>), typeof(Silu<>),
        typeof(Softplus<>), typeof(Tanh<>), typeof(Sigmoid<>), typeof(Selu<>),
    ];

    /// <summary>The layers written, for the message that refuses any other.</summary>
    private static readonly string Exportable = "Sequential, " + string.Join(", ", LayerTypes.Select(t => t.Name.Split('`')[0]));

    /// <summary>
    /// Writes the model to <paramref name="path"/> (atomically): a <see cref="Sequential{T}"/> of the public layers (or one
    /// of them) layer by layer with a dynamic batch dimension, any other module traced on <paramref name="sample"/>
    /// (zeros of [1, ..<paramref name="inputShape"/>] when none is given).
    /// </summary>
    public static void Export<T>(Module<T> model, string path, int[] inputShape, OnnxExportOptions? options, Tensor<T>? sample = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(inputShape);
        options ??= new OnnxExportOptions();
        var proto = ByLayers(model) ? Build(model, inputShape, options)
            : BuildTraced(model, sample ?? Tensor<T>.Zeros([1, .. inputShape]), options);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    /// <summary>Whether the model is a Sequential (nested or not) of the layers written one by one, or one of them.</summary>
    internal static bool ByLayers<T>(Module<T> model) where T : unmanaged, IFloatingPointIeee754<T> => model switch
    {
        Sequential<T> => model.Children().All(c => ByLayers(c.Module)),
        _ => model.GetType().IsGenericType && LayerTypes.Contains(model.GetType().GetGenericTypeDefinition()),
    };

    /// <summary>The model as an ONNX ModelProto for inputs of [batch, ..<paramref name="inputShape"/>].</summary>
    public static ModelProto Build<T>(Module<T> model, int[] inputShape, OnnxExportOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(inputShape); ArgumentNullException.ThrowIfNull(options);
        int elementType = CheckOptions<T>(options);
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"ONNX export: the input shape (without the batch dimension) must have positive dimensions, got {Shape.Format(inputShape)}.");

        var leaves = new List<(string Path, Module<T> Layer)>();
        Flatten(model, "", leaves);
        var names = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in model.NamedState()) names[tensor] = name;

        var graph = new GraphProto { Name = options.GraphName };
        var emitter = new Emitter<T>(graph, names, elementType, options.Opset);
        string current = options.InputName;
        if (options.InputNormalization is { } normalization) current = emitter.Normalize(normalization, current, inputShape);
        // Shapes flow through the layers on a one-sample input in evaluation mode, which also checks that the model
        // accepts the input shape; the modes are restored after.
        var modes = leaves.Select(l => l.Layer.IsTraining).ToList();
        bool rootMode = model.IsTraining;
        model.Eval();
        try
        {
            using var noGrad = GradMode.Disable();
            var x = new Tensor<T>(new Shape([1, .. inputShape]));
            for (int i = 0; i < leaves.Count; i++)
            {
                var (path, layer) = leaves[i];
                var y = layer.Forward(x);
                bool last = i == leaves.Count - 1 && !options.SoftmaxOutput;
                current = emitter.Layer(path, layer, current, x.Shape, y.Shape, last ? options.OutputName : $"{Prefix(path)}output");
                x = y;
            }
            if (options.SoftmaxOutput)
            {
                if (x.Rank != 2) throw new NotSupportedException($"ONNX export: a softmax output needs a model output of [N, classes], this one is {x.Shape}.");
                current = emitter.Node("Softmax", "softmax", [current], options.OutputName, Attribute.Int("axis", 1));
            }
            if (leaves.Count == 0) throw new NotSupportedException("ONNX export: the model has no layers.");
            graph.Input.Add(ValueInfo(options.InputName, elementType, options.BatchDimension, inputShape));
            graph.Output.Add(ValueInfo(options.OutputName, elementType, options.BatchDimension, x.Shape.Dims[1..].ToArray()));
        }
        finally
        {
            if (rootMode) model.Train();
            for (int i = 0; i < leaves.Count; i++) if (leaves[i].Layer.IsTraining != modes[i]) { if (modes[i]) leaves[i].Layer.Train(); else leaves[i].Layer.Eval(); }
        }

        var proto = Model(model, graph, options);
        if (options.InputNormalization is { } n)
        {
            static string List(float[] values) => string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
            proto.MetadataProps.Add(new StringStringEntryProto { Key = "deeplite.input_mean", Value = List(n.Mean) });
            proto.MetadataProps.Add(new StringStringEntryProto { Key = "deeplite.input_std", Value = List(n.Std) });
            proto.MetadataProps.Add(new StringStringEntryProto { Key = "deeplite.input_normalized_in_graph", Value = n.InGraph ? "true" : "false" });
        }
        return proto;
    }

    /// <summary>The ModelProto around a graph, with the producer, the opset and the options' metadata.</summary>
    private static ModelProto Model<T>(Module<T> model, GraphProto graph, OnnxExportOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var proto = new ModelProto
        {
            IrVersion = options.Opset >= 19 ? (long)Version.IrVersion : (long)Version.IrVersion2021730,
            ProducerName = "DeepLite",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "",
            ModelVersion = options.ModelVersion,
            DocString = model.ToString(),
            Graph = graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>()) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return proto;
    }

    /// <summary>Checks the options' opset and the machine; returns the ONNX element type of <typeparamref name="T"/>.</summary>
    private static int CheckOptions<T>(OnnxExportOptions options)
    {
        if (options.Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
            throw new ArgumentOutOfRangeException(nameof(options), $"ONNX export writes opsets {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}; {options.Opset} was asked for.");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
        return typeof(T) == typeof(float) ? (int)TensorProto.Types.DataType.Float
            : typeof(T) == typeof(double) ? (int)TensorProto.Types.DataType.Double
            : throw new NotSupportedException($"ONNX export writes float and double models, not {typeof(T).Name}.");
    }

    /// <summary>The leaves of nested Sequentials in order, each with its path ("layers.0"); any other container is refused.</summary>
    private static void Flatten<T>(Module<T> module, string path, List<(string, Module<T>)> leaves) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (module is Sequential<T>)
        {
            foreach (var (name, child) in module.Children()) Flatten(child, path.Length == 0 ? name : $"{path}.{name}", leaves);
            return;
        }
        if (module.Children().Any())
            throw new NotSupportedException($"ONNX export: layer {ModelSummary.Label(path, module)} is a custom container; its Forward is code the exporter cannot read. Exportable layers: {Exportable}.");
        leaves.Add((path, module));
    }

    private static string Prefix(string path) => path.Length == 0 ? "" : path + "/";

    /// <summary>A graph input or output: a dynamic batch dimension named <paramref name="batch"/>, then <paramref name="dims"/>.</summary>
    private static ValueInfoProto ValueInfo(string name, int elementType, string batch, int[] dims) =>
        ValueInfo(name, elementType, [new() { DimParam = batch }, .. dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d })]);

    /// <summary>A typed graph input or output of the given dimensions (a value, a named parameter, or left open).</summary>
    private static ValueInfoProto ValueInfo(string name, int elementType, IEnumerable<TensorShapeProto.Types.Dimension> dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    /// <summary>Builds the nodes and initializers of one graph, layer by layer.</summary>
    private sealed partial class Emitter<T>(GraphProto graph, Dictionary<Tensor<T>, string> names, int elementType, int opset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly HashSet<string> _initializers = [];

        /// <summary>Emits <paramref name="layer"/>'s nodes from value <paramref name="input"/> to value <paramref name="output"/>; returns the output's name.</summary>
        public string Layer(string path, Module<T> layer, string input, Shape inShape, Shape outShape, string output)
        {
            string p = Prefix(path);
            switch (layer)
            {
                case Dense<T> dense:
                    if (inShape.Rank != 2)
                        throw new NotSupportedException($"ONNX export: layer {ModelSummary.Label(path, layer)} gets an input of {inShape}; it is exported as Gemm, which takes [N, features] (put a Flatten before it).");
                    return Node("Gemm", $"{p}Gemm", [input, Weight(dense.Weight), .. Optional(dense.Bias)], output, Attribute.Int("transB", 1));
                case Conv2D<T> conv:
                {
                    var k = conv.KernelSize; var s = conv.Stride; var d = conv.Dilation;
                    var (t, b, l, r) = conv.Padding.Resolve(inShape[2], inShape[3], (k.Height - 1) * d.Height + 1, (k.Width - 1) * d.Width + 1, s.Height, s.Width);
                    return Node("Conv", $"{p}Conv", [input, Weight(conv.Weight), .. Optional(conv.Bias)], output,
                        Attribute.Ints("kernel_shape", k.Height, k.Width), Attribute.Ints("strides", s.Height, s.Width), Attribute.Ints("dilations", d.Height, d.Width),
                        Attribute.Ints("pads", t, l, b, r), Attribute.Int("group", conv.Groups));
                }
                case MaxPool2D<T> pool:
                {
                    var k = pool.KernelSize; var s = pool.Stride;
                    var (t, b, l, r) = pool.Padding.Resolve(inShape[2], inShape[3], k.Height, k.Width, s.Height, s.Width);
                    // Ceil mode as padding: a max pool's pads never win, so the overhang of a rounded-up last window is
                    // more bottom/right padding with the floor rule (less than a window: the last one starts inside).
                    b = Math.Max(b, (outShape[2] - 1) * s.Height + k.Height - inShape[2] - t);
                    r = Math.Max(r, (outShape[3] - 1) * s.Width + k.Width - inShape[3] - l);
                    return Node("MaxPool", $"{p}MaxPool", [input], output,
                        Attribute.Ints("kernel_shape", k.Height, k.Width), Attribute.Ints("strides", s.Height, s.Width), Attribute.Ints("pads", t, l, b, r));
                }
                case AvgPool2D<T> pool:
                {
                    var k = pool.KernelSize; var s = pool.Stride;
                    var (t, b, l, r) = pool.Padding.Resolve(inShape[2], inShape[3], k.Height, k.Width, s.Height, s.Width);
                    return Node("AveragePool", $"{p}AveragePool", [input], output, Attribute.Ints("kernel_shape", k.Height, k.Width),
                        Attribute.Ints("strides", s.Height, s.Width), Attribute.Ints("pads", t, l, b, r),
                        Attribute.Int("count_include_pad", pool.CountIncludePad ? 1 : 0), Attribute.Int("ceil_mode", pool.CeilMode ? 1 : 0));
                }
                case GlobalAvgPool2D<T> { KeepDims: true }:
                    return Node("GlobalAveragePool", $"{p}GlobalAveragePool", [input], output);
                case GlobalAvgPool2D<T>:
                    // ONNX keeps the 1x1 plane ([N, C, 1, 1]); the layer gives [N, C].
                    return Node("Flatten", $"{p}Flatten", [Node("GlobalAveragePool", $"{p}GlobalAveragePool", [input], $"{p}pooled")], output, Attribute.Int("axis", 1));
                case Layers.Flatten<T>:
                    return Node("Flatten", $"{p}Flatten", [input], output, Attribute.Int("axis", 1));
                case BatchNorm<T> { Weight: null } or BatchNorm<T> { RunningMean: null }:
                    throw new NotSupportedException($"ONNX export: {p}BatchNorm without affine or without running statistics has no ONNX BatchNormalization form.");
                case BatchNorm<T> bn:
                    // ONNX's momentum weighs the running value (1 - PyTorch's); it only matters in training mode.
                    return Node("BatchNormalization", $"{p}BatchNormalization",
                        [input, Weight(bn.Weight!), Weight(bn.Bias!), Weight(bn.RunningMean!), Weight(bn.RunningVar!)], output,
                        Attribute.Float("epsilon", (float)bn.Epsilon), Attribute.Float("momentum", (float)(1 - bn.Momentum)));
                case Dropout<T>:
                    return Node("Identity", $"{p}Dropout", [input], output);
                case Relu<T>:
                    return Node("Relu", $"{p}Relu", [input], output);
                case LeakyRelu<T> leaky:
                    return Node("LeakyRelu", $"{p}LeakyRelu", [input], output, Attribute.Float("alpha", (float)leaky.NegativeSlope));
                case Tanh<T>:
                    return Node("Tanh", $"{p}Tanh", [input], output);
                case Sigmoid<T>:
                    return Node("Sigmoid", $"{p}Sigmoid", [input], output);
                case Selu<T>:
                    return Selu(input, p, output);
                case LayerNorm<T> when opset < 17:
                    throw new NotSupportedException($"ONNX export: {ModelSummary.Label(path, layer)}, LayerNormalization, needs opset 17 or later.");
                case LayerNorm<T> ln:
                {
                    // ONNX's LayerNormalization over the last dimensions (axis = -k); its scale is required: ones without an affine.
                    var shape = ln.NormalizedShape.ToArray();
                    string scale = ln.Weight is { } w ? Weight(w) : Filled($"{p}ones", shape, 1);
                    return Node("LayerNormalization", $"{p}LayerNormalization", [input, scale, .. Optional(ln.Bias)], output,
                        Attribute.Int("axis", -shape.Length), Attribute.Float("epsilon", (float)ln.Epsilon));
                }
                case Silu<T>:
                    return Silu(input, p, output);
                case Softplus<T> sp:
                    return Softplus(input, p, output, sp.Beta);
                case Gelu<T> gelu:
                    return Gelu(input, p, output, gelu.Approximate == GeluApproximation.Tanh, ModelSummary.Label(path, layer));
                default:
                    throw new NotSupportedException($"ONNX export: layer {ModelSummary.Label(path, layer)} has no ONNX form here. Exportable layers: {Exportable}.");
            }
        }

        // The activations whose ONNX form is more than one node of the same name, written one way for a layer and for a
        // traced op; p prefixes the names of the nodes and constants.

        public string Selu(string input, string p, string output) =>
            Node("Selu", $"{p}Selu", [input], output, Attribute.Float("alpha", 1.6732632423543772f), Attribute.Float("gamma", 1.0507009873554805f));

        /// <summary>x · sigmoid(x).</summary>
        public string Silu(string input, string p, string output) =>
            Node("Mul", $"{p}Mul", [input, Node("Sigmoid", $"{p}Sigmoid", [input], $"{p}sigmoid")], output);

        /// <summary>
        /// Softplus, with β other than 1 as a scale around it (softplus(βx)/β). ONNX's Softplus has no threshold: above it
        /// the two differ by less than e^-threshold relatively.
        /// </summary>
        public string Softplus(string input, string p, string output, double beta)
        {
            if (beta == 1) return Node("Softplus", $"{p}Softplus", [input], output);
            var times = Node("Mul", $"{p}Scale", [input, Constant($"{p}beta", beta)], $"{p}scaled");
            var soft = Node("Softplus", $"{p}Softplus", [times], $"{p}softplus");
            return Node("Div", $"{p}Div", [soft, Constant($"{p}beta", beta)], output);
        }

        /// <summary>
        /// GELU: ONNX's Gelu from opset 20; before it the exact form as x · (1 + erf(x / √2)) / 2, and the tanh form is
        /// refused naming <paramref name="who"/>.
        /// </summary>
        public string Gelu(string input, string p, string output, bool tanh, string who)
        {
            if (opset >= 20) return Node("Gelu", $"{p}Gelu", [input], output, Attribute.String("approximate", tanh ? "tanh" : "none"));
            if (tanh) throw new NotSupportedException($"ONNX export: {who}, GELU's tanh form, needs opset 20 or later.");
            var scaled = Node("Div", $"{p}Div", [input, Constant($"{p}sqrt2", Math.Sqrt(2))], $"{p}scaled");
            var erf = Node("Erf", $"{p}Erf", [scaled], $"{p}erf");
            var shifted = Node("Add", $"{p}Add", [erf, Constant($"{p}one", 1)], $"{p}shifted");
            var product = Node("Mul", $"{p}Mul", [input, shifted], $"{p}product");
            return Node("Mul", $"{p}Half", [product, Constant($"{p}half", 0.5)], output);
        }

        /// <summary>Adds a node with a unique name; returns its output's name.</summary>
        public string Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = op, Name = name };
            node.Input.AddRange(inputs);
            node.Output.Add(output);
            node.Attribute.AddRange(attributes);
            graph.Node.Add(node);
            return output;
        }

        private IEnumerable<string> Optional(Tensor<T>? tensor) => tensor is null ? [] : [Weight(tensor)];

        /// <summary>A parameter or buffer as an initializer under its model name (once, however often it is used).</summary>
        private string Weight(Tensor<T> tensor)
        {
            if (!names.TryGetValue(tensor, out var name))
                throw new InvalidOperationException($"ONNX export: a tensor of shape {tensor.Shape} used by a layer is not among the model's parameters and buffers.");
            if (_initializers.Add(name)) graph.Initializer.Add(Initializer(name, tensor.Shape.Dims, tensor.Span));
            return name;
        }

        /// <summary>
        /// (x - mean[c]) / std[c] over the input's channels (its first dimension after the batch) as the graph's first
        /// nodes when <see cref="OnnxInputNormalization.InGraph"/>; returns the value the layers read.
        /// </summary>
        public string Normalize(OnnxInputNormalization n, string input, int[] inputShape)
        {
            ArgumentNullException.ThrowIfNull(n.Mean); ArgumentNullException.ThrowIfNull(n.Std);
            if (n.Mean.Length == 0 || n.Mean.Length != n.Std.Length || (n.Mean.Length != 1 && n.Mean.Length != inputShape[0]))
                throw new ArgumentException($"ONNX export: the input normalization has {n.Mean.Length} means and {n.Std.Length} deviations; " +
                    $"the input {Shape.Format(inputShape)} has {inputShape[0]} channels (give one value, or one per channel).");
            if (n.Std.Any(s => !(s > 0)) || n.Mean.Any(m => !float.IsFinite(m)))
                throw new ArgumentException($"ONNX export: the input normalization needs finite means and positive deviations, got mean ({string.Join(", ", n.Mean)}), std ({string.Join(", ", n.Std)}).");
            if (!n.InGraph) return input;
            // [C, 1, ..., 1]: broadcast over the batch (leading) and the spatial dimensions (trailing).
            int[] dims = [n.Mean.Length, .. Enumerable.Repeat(1, inputShape.Length - 1)];
            string mean = Values("input_mean", dims, n.Mean), std = Values("input_std", dims, n.Std);
            var centred = Node("Sub", "normalize/Sub", [input, mean], "normalize/centred");
            return Node("Div", "normalize/Div", [centred, std], "normalize/output");
        }

        private string Values(string name, int[] dims, float[] values)
        {
            if (_initializers.Add(name)) graph.Initializer.Add(Initializer(name, dims, values.Select(T.CreateChecked).ToArray()));
            return name;
        }

        /// <summary>A constant tensor of <paramref name="dims"/> filled with <paramref name="value"/>, as an initializer.</summary>
        private string Filled(string name, int[] dims, double value)
        {
            if (_initializers.Add(name))
            {
                var values = new T[new Shape(dims).Size];
                values.AsSpan().Fill(T.CreateChecked(value));
                graph.Initializer.Add(Initializer(name, dims, values));
            }
            return name;
        }

        /// <summary>A scalar constant as an initializer.</summary>
        private string Constant(string name, double value)
        {
            if (_initializers.Add(name)) graph.Initializer.Add(Initializer(name, [], [T.CreateChecked(value)]));
            return name;
        }

        private TensorProto Initializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<T> values)
        {
            var t = new TensorProto { Name = name, DataType = elementType, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
            foreach (var d in dims) t.Dims.Add(d);
            return t;
        }
    }

    /// <summary>Node attributes.</summary>
    private static class Attribute
    {
        public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };
        public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
        public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
        public static AttributeProto Ints(string name, params long[] values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }
    }
}
