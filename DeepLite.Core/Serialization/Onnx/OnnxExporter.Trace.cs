using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Layers;
using DeepLite.Tensors;
using Google.Protobuf;

namespace DeepLite.Serialization.Onnx;

// Export by tracing (torch.onnx.export's way): the module's Forward runs once in evaluation mode on a sample with
// recording on, and the recorded graph (every op's GradNode: its name, inputs and attributes) is written op by op. Any
// module whose Forward is made of recorded ops exports, whatever its structure: residual blocks, attention, tied weights
// (one tensor used twice is one initializer). What the trace cannot see is baked in, as PyTorch's tracer does: values
// reached without a recorded op (a mask built in Forward, indices not read from the input) become constants, and
// control flow follows the sample.
internal static partial class OnnxExporter
{
    /// <summary>One trace: the input leaf, the output, and every recorded tensor in topological order (inputs first).</summary>
    private sealed record Trace<T>(Tensor<T> Input, Tensor<T> Output, List<Tensor<T>> Order, List<Tensor<T>> Leaves) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// The model as an ONNX ModelProto traced on <paramref name="sample"/> ([batch, ...]). The batch dimension is left
    /// dynamic when two traces at different batch sizes show that only shapes along it change (and the changes can be
    /// written: a Reshape with one batch-sized dimension, an Expand along a dimension the input already has); otherwise
    /// the graph is written for the sample's batch size, as torch.onnx.export without dynamic_axes.
    /// </summary>
    public static ModelProto BuildTraced<T>(Module<T> model, Tensor<T> sample, OnnxExportOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(sample); ArgumentNullException.ThrowIfNull(options);
        int elementType = CheckOptions<T>(options);
        if (sample.Rank < 1 || sample.Shape.Dims.ToArray().Any(d => d <= 0))
            throw new ArgumentException($"ONNX export: the sample input must be a batch [N, ...] with positive dimensions, got shape {sample.Shape}.");
        if (options.InputNormalization is not null)
            throw new NotSupportedException("ONNX export: an input normalization is written for Sequential models of the public layers; a traced model should normalize in its Forward.");

        var names = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, tensor) in model.NamedState()) names[tensor] = name;
        var modules = new List<Module<T>>();
        void Collect(Module<T> m) { modules.Add(m); foreach (var (_, child) in m.Children()) Collect(child); }
        Collect(model);
        var modes = modules.Select(m => m.IsTraining).ToList();
        model.Eval();
        try
        {
            int batch = sample.Shape[0], first = Math.Max(2, batch);
            var a = RunTrace(model, sample, first);
            var batchDims = BatchDimensions(a, RunTrace(model, sample, first + 1), names);
            var trace = batchDims is null ? RunTrace(model, sample, batch) : a;

            var graph = new GraphProto { Name = options.GraphName };
            var emitter = new Emitter<T>(graph, names, elementType, options.Opset);
            emitter.WriteTrace(trace, batchDims, options);
            var inputDims = trace.Input.Shape.Dims.ToArray();
            bool indexOnly = emitter.InputReadAsIndices && !ReferenceEquals(trace.Output, trace.Input)
                && trace.Order.All(t => !t.Node!.Inputs.Any(i => ReferenceEquals(i, trace.Input)));
            graph.Input.Add(TracedValueInfo(options.InputName, indexOnly ? (int)TensorProto.Types.DataType.Int64 : elementType, inputDims,
                batchDims is null ? null : Enumerable.Range(0, inputDims.Length).Select(i => i == 0).ToArray(), first, options.BatchDimension));
            graph.Output.Add(TracedValueInfo(options.OutputName, elementType, trace.Output.Shape.Dims.ToArray(), batchDims?.GetValueOrDefault(trace.Output), first,
                options.BatchDimension));
            if (indexOnly) emitter.DeclareInputAsIndices();
            return Model(model, graph, options);
        }
        finally
        {
            for (int i = 0; i < modules.Count; i++)
                if (modules[i].IsTraining != modes[i]) { if (modes[i]) modules[i].Train(); else modules[i].Eval(); }
        }
    }

    /// <summary>Runs the model on <paramref name="sample"/>'s rows repeated to <paramref name="batch"/> rows, recording, and orders the graph.</summary>
    private static Trace<T> RunTrace<T>(Module<T> model, Tensor<T> sample, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = sample.Shape[0], row = sample.Size / n;
        var data = new T[batch * row];
        var source = sample.Span;
        for (int i = 0; i < batch; i++) source.Slice(i % n * row, row).CopyTo(data.AsSpan(i * row, row));
        var input = new Tensor<T>(new Shape([batch, .. sample.Shape.Dims[1..]]), data) { RequiresGrad = true };
        Tensor<T> output;
        using (GradMode.Set(true)) output = model.Forward(input);
        var (order, leaves) = (new List<Tensor<T>>(), new List<Tensor<T>>());
        AutoDiff.PostOrder(output, new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance), new Stack<(Tensor<T>, int)>(), order, leaves);
        return new Trace<T>(input, output, order, leaves);
    }

    /// <summary>
    /// For each tensor (and index or mask) of trace <paramref name="a"/>, which dimensions change with the batch, from a
    /// second trace <paramref name="b"/> one sample larger; null when the two graphs differ or a change cannot be written
    /// with a dynamic batch dimension (then the graph is written for one batch size).
    /// </summary>
    private static Dictionary<object, bool[]>? BatchDimensions<T>(Trace<T> a, Trace<T> b, Dictionary<Tensor<T>, string> names) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Order.Count != b.Order.Count || a.Leaves.Count != b.Leaves.Count) return null;
        var masks = new Dictionary<object, bool[]>(ReferenceEqualityComparer.Instance);
        static bool[]? Differ(Shape x, Shape y) =>
            x.Rank != y.Rank ? null : Enumerable.Range(0, x.Rank).Select(i => x[i] != y[i]).ToArray();
        for (int i = 0; i < a.Leaves.Count; i++)
        {
            var (x, y) = (a.Leaves[i], b.Leaves[i]);
            if (Differ(x.Shape, y.Shape) is not { } mask) return null;
            // Only the input may change with the batch; a constant that does is data the graph cannot hold.
            if (ReferenceEquals(x, a.Input)) { if (!ReferenceEquals(y, b.Input)) return null; }
            else if (mask.Any(d => d) || names.ContainsKey(x) != names.ContainsKey(y)) return null;
            masks[x] = mask;
        }
        if (!masks.ContainsKey(a.Input)) masks[a.Input] = Enumerable.Range(0, a.Input.Rank).Select(i => i == 0).ToArray();
        for (int i = 0; i < a.Order.Count; i++)
        {
            var (x, y) = (a.Order[i], b.Order[i]);
            var (nx, ny) = (x.Node!, y.Node!);
            if (nx.Op != ny.Op || nx.Inputs.Length != ny.Inputs.Length || Differ(x.Shape, y.Shape) is not { } mask) return null;
            masks[x] = mask;
            int changed = mask.Count(d => d);
            switch (nx.Attributes, ny.Attributes)
            {
                case (IndexAttributes ia, IndexAttributes ib):
                    if (Differ(ia.Index.Shape, ib.Index.Shape) is not { } im) return null;
                    bool fromInput = ia.Index.Source == (object)a.Input;
                    if (fromInput != (ib.Index.Source == (object)b.Input) || (!fromInput && im.Any(d => d)) || (fromInput && im.Count(d => d) > 1)) return null;
                    masks[ia.Index] = im;
                    break;
                case (MaskAttributes ma, MaskAttributes mb):
                    if (ma.Mask.Shape != mb.Mask.Shape) return null;
                    break;
                case (AxisAttributes aa, _) when nx.Op is "Narrow" or "SliceBatch":
                    if (masks[nx.Inputs[0]][nx.Inputs[0].Shape.NormalizeAxis(aa.Axis)]) return null;
                    break;
            }
            if (nx.Op == "Reshape" && changed > 1) return null;
            if (nx.Op == "BroadcastTo")
            {
                var inputMask = masks[nx.Inputs[0]];
                int lead = x.Rank - inputMask.Length;
                for (int d = 0; d < x.Rank; d++)
                    if (mask[d] && (d < lead || !inputMask[d - lead])) return null;
            }
        }
        return masks;
    }

    /// <summary>A graph input or output: the batch-sized dimension named <paramref name="batchName"/> where it changes with the batch, other changing ones left open.</summary>
    private static ValueInfoProto TracedValueInfo(string name, int elementType, int[] dims, bool[]? batchMask, int tracedBatch, string batchName) =>
        ValueInfo(name, elementType, dims.Select((d, i) => batchMask is { } m && m[i]
            ? d == tracedBatch ? new TensorShapeProto.Types.Dimension { DimParam = batchName } : new TensorShapeProto.Types.Dimension()
            : new TensorShapeProto.Types.Dimension { DimValue = d }));

    private sealed partial class Emitter<T>
    {
        private readonly Dictionary<Tensor<T>, string> _values = new(ReferenceEqualityComparer.Instance);
        private string _input = "";
        private Tensor<T>? _inputTensor;
        private string? _inputAsIndices;
        private int _count;

        /// <summary>Whether some op read the graph input as indices (an Embedding's tokens).</summary>
        public bool InputReadAsIndices { get; private set; }

        /// <summary>The input is int64 indices itself: the Cast written for it reads the input directly.</summary>
        public void DeclareInputAsIndices()
        {
            foreach (var node in graph.Node)
                if (node.OpType == "Cast" && node.Output[0] == _inputAsIndices) { node.OpType = "Identity"; node.Attribute.Clear(); }
        }

        /// <summary>Writes every op of <paramref name="trace"/>, then an Identity to the output's name.</summary>
        public void WriteTrace(Trace<T> trace, Dictionary<object, bool[]>? batch, OnnxExportOptions options)
        {
            _input = options.InputName;
            _inputTensor = trace.Input;
            _values[trace.Input] = _input;
            foreach (var tensor in trace.Order)
            {
                var node = tensor.Node!;
                var inputs = node.Inputs.Select(ValueOf).ToArray();
                _values[tensor] = Op(node, tensor, inputs, batch, $"{node.Op}_{_count++}");
            }
            var last = ValueOf(trace.Output);
            if (options.SoftmaxOutput) last = Node("Softmax", "softmax", [last], "softmax/output", Attribute.Int("axis", -1));
            Node("Identity", "output", [last], options.OutputName);
        }

        /// <summary>A tensor's value name: the input, an op's output, a parameter or buffer, or a constant written once.</summary>
        private string ValueOf(Tensor<T> tensor)
        {
            if (_values.TryGetValue(tensor, out var name)) return name;
            name = names.ContainsKey(tensor) ? Weight(tensor) : AddInitializer($"constant_{_count++}", tensor.Shape.Dims, tensor.Span);
            _values[tensor] = name;
            return name;
        }

        private string AddInitializer(string name, ReadOnlySpan<int> dims, ReadOnlySpan<T> values)
        {
            graph.Initializer.Add(Initializer(name, dims, values));
            return name;
        }

        /// <summary>An int64 initializer of <paramref name="dims"/> (a vector of the values when none are given).</summary>
        private string Int64s(string name, long[] values, params int[] dims)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
            if (dims.Length == 0) t.Dims.Add(values.Length);
            foreach (var d in dims) t.Dims.Add(d);
            t.Int64Data.AddRange(values);
            graph.Initializer.Add(t);
            return name;
        }

        /// <summary>A shape for Reshape (-1 where the batch changes it) or Expand (1 there: the input's own dimension).</summary>
        private string ShapeOf(string name, Shape shape, bool[]? mask, long changing) =>
            Int64s(name, [.. Enumerable.Range(0, shape.Rank).Select(i => mask is { } m && m[i] ? changing : shape[i])]);

        /// <summary>The nodes of one recorded op; returns the name of the value that holds its output.</summary>
        private string Op(GradNode<T> node, Tensor<T> y, string[] x, Dictionary<object, bool[]>? batch, string p)
        {
            string o = p + "/output";
            bool[]? Mask(object t) => batch?.GetValueOrDefault(t);
            switch (node.Op, node.Attributes)
            {
                case ("Add", _): return Node("Add", p, x, o);
                case ("Subtract", _): return Node("Sub", p, x, o);
                case ("Multiply", _): return Node("Mul", p, x, o);
                case ("Divide", _): return Node("Div", p, x, o);
                case ("Maximum", _): return Node("Max", p, x, o);
                case ("Minimum", _): return Node("Min", p, x, o);
                case ("Negate", _): return Node("Neg", p, x, o);
                case ("Exp" or "Log" or "Sqrt" or "Abs" or "Sin" or "Cos" or "Tanh" or "Sigmoid" or "Relu", _): return Node(node.Op, p, x, o);
                case ("Rsqrt", _): return Node("Reciprocal", p, [Node("Sqrt", p + "/Sqrt", x, p + "/sqrt")], o);
                case ("AddScalar", ScalarAttributes s): return Node("Add", p, [x[0], Constant(p + "/s", s.Value)], o);
                case ("MultiplyScalar", ScalarAttributes s): return Node("Mul", p, [x[0], Constant(p + "/s", s.Value)], o);
                case ("Pow", ScalarAttributes s): return Node("Pow", p, [x[0], Constant(p + "/exponent", s.Value)], o);
                case ("LeakyRelu", ScalarAttributes s): return Node("LeakyRelu", p, x, o, Attribute.Float("alpha", (float)s.Value));
                case ("Selu", _): return Selu(x[0], p + "/", o);
                case ("Silu", _): return Silu(x[0], p + "/", o);
                case ("Gelu" or "GeluTanh", _): return Gelu(x[0], p + "/", o, node.Op == "GeluTanh", node.Signature);
                case ("Softplus", SoftplusAttributes s): return Softplus(x[0], p + "/", o, s.Beta);
                case ("Clamp", ClampAttributes c):
                    return Node("Clip", p, [x[0], c.Min is { } lo ? Constant(p + "/min", lo) : "", .. c.Max is { } hi ? [Constant(p + "/max", hi)] : Array.Empty<string>()], o);
                case ("Reshape", _): return Node("Reshape", p, [x[0], ShapeOf(p + "/shape", y.Shape, Mask(y), -1)], o);
                case ("BroadcastTo", _): return Node("Expand", p, [x[0], ShapeOf(p + "/shape", y.Shape, Mask(y), 1)], o);
                case ("Permute", PermuteAttributes a):
                {
                    var perm = new long[a.Inverse.Length];
                    for (int i = 0; i < perm.Length; i++) perm[a.Inverse[i]] = i;
                    return Node("Transpose", p, x, o, Attribute.Ints("perm", perm));
                }
                case ("Narrow" or "SliceBatch", AxisAttributes a):
                {
                    int axis = node.Inputs[0].Shape.NormalizeAxis(a.Axis);
                    return Node("Slice", p, [x[0], Int64s(p + "/starts", [a.Start]), Int64s(p + "/ends", [a.Start + y.Shape[axis]]), Int64s(p + "/axes", [axis])], o);
                }
                case ("Concat", AxisAttributes a): return Node("Concat", p, x, o, Attribute.Int("axis", y.Shape.NormalizeAxis(a.Axis)));
                case ("SumTo", _):
                {
                    var from = node.Inputs[0].Shape;
                    int lead = from.Rank - y.Rank;
                    var axes = Enumerable.Range(0, from.Rank).Where(d => d < lead || (y.Shape[d - lead] == 1 && from[d] != 1)).Select(d => (long)d).ToArray();
                    var summed = Node("ReduceSum", p + "/ReduceSum", [x[0], Int64s(p + "/axes", axes)], p + "/summed", Attribute.Int("keepdims", 1));
                    return lead == 0 ? summed : Node("Reshape", p, [summed, ShapeOf(p + "/shape", y.Shape, Mask(y), -1)], o);
                }
                case ("Sum", _):
                {
                    var total = Node("ReduceSum", p + "/ReduceSum", x, p + "/total", Attribute.Int("keepdims", 0));
                    return y.Rank == 0 ? total : Node("Reshape", p, [total, ShapeOf(p + "/shape", y.Shape, null, -1)], o);
                }
                case ("Softmax", _): return Node("Softmax", p, x, o, Attribute.Int("axis", -1));
                case ("LogSoftmax", _): return Node("LogSoftmax", p, x, o, Attribute.Int("axis", -1));
                case ("CausalSoftmax", ScalarAttributes s): return CausalSoftmax(x[0], y.Shape[-2], y.Shape[-1], s.Value, p, p, o);
                case ("CausalAttention", CausalAttentionAttributes a):
                {
                    // Per head (x.view(B, T, H, d).transpose(1, 2)): softmax(scale · q kᵀ, query i seeing keys 0..i) v, joined
                    // back to [B, T, H·dv]: the ops of ScaledDotProductAttention with its causal softmax.
                    int t = y.Shape[1], dv = y.Shape[2] / a.Heads;
                    int dk = x.Length == 3 ? node.Inputs[0].Shape[2] / a.Heads : dv;
                    bool[]? batchMask = Mask(y) is { } m ? [m[0], false, false, false] : null;
                    if (x.Length == 1)
                    {
                        // One joint projection [B, T, 3C]: its q, k and v blocks of the last axis.
                        int c = a.Heads * dv;
                        string Block(int i, string name) => Node("Slice", p + "/" + name, [x[0], Int64s(p + "/" + name + "/starts", [i * c]),
                            Int64s(p + "/" + name + "/ends", [(i + 1) * c]), Int64s(p + "/" + name + "/axes", [2])], p + "/" + name + "/output");
                        x = [Block(0, "q"), Block(1, "k"), Block(2, "v")];
                    }
                    string Heads(string value, int d, long[] perm, string name)
                    {
                        var split = Node("Reshape", name + "/Reshape", [value, ShapeOf(name + "/shape", new Shape(y.Shape[0], t, a.Heads, d), batchMask, -1)], name + "/split");
                        return Node("Transpose", name, [split], name + "/output", Attribute.Ints("perm", perm));
                    }
                    var q = Heads(x[0], dk, [0, 2, 1, 3], p + "/Queries");
                    var kt = Heads(x[1], dk, [0, 2, 3, 1], p + "/KeysTransposed");
                    var v = Heads(x[2], dv, [0, 2, 1, 3], p + "/Values");
                    var scores = Node("MatMul", p + "/Scores", [q, kt], p + "/scores");
                    var weights = CausalSoftmax(scores, t, t, a.Scale, p, p + "/Softmax", p + "/weights");
                    var heads = Node("MatMul", p + "/Weighted", [weights, v], p + "/heads");
                    var joined = Node("Transpose", p + "/Join", [heads], p + "/joined", Attribute.Ints("perm", 0, 2, 1, 3));
                    return Node("Reshape", p, [joined, ShapeOf(p + "/shape", y.Shape, Mask(y), -1)], o);
                }
                case ("LayerNorm", LayerNormAttributes a) when opset >= 17:
                {
                    int k = 0;
                    for (long size = 1; size != a.Columns || k == 0; k++) size *= y.Shape[y.Rank - 1 - k];
                    return Node("LayerNormalization", p, [x[0], Filled(p + "/ones", y.Shape.Dims[^k..].ToArray(), 1)], o,
                        Attribute.Int("axis", -k), Attribute.Float("epsilon", (float)a.Epsilon));
                }
                case ("LayerNorm", _):
                    throw new NotSupportedException($"ONNX export: {node.Signature}, LayerNormalization, needs opset 17 or later.");
                case ("Linear", _): return Node("Gemm", p, x, o, Attribute.Int("transB", 1));
                case ("MatMul", MatMulAttributes a):
                {
                    string Swap(string v, int rank, string name)
                    {
                        var perm = Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
                        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
                        return Node("Transpose", name, [v], name + "/output", Attribute.Ints("perm", perm));
                    }
                    var left = a.TransposeA ? Swap(x[0], node.Inputs[0].Rank, p + "/TransposeA") : x[0];
                    var right = a.TransposeB ? Swap(x[1], node.Inputs[1].Rank, p + "/TransposeB") : x[1];
                    return Node("MatMul", p, [left, right], o);
                }
                case ("Conv2D" or "Conv2DRelu" or "Conv2DReluMaxPool", GeometryAttributes { Geometry: var g }):
                {
                    int bottom = Math.Max(0, (g.OH - 1) * g.SH + (g.KH - 1) * g.DH + 1 - g.H - g.PadTop);
                    int right = Math.Max(0, (g.OW - 1) * g.SW + (g.KW - 1) * g.DW + 1 - g.W - g.PadLeft);
                    bool relu = node.Op != "Conv2D", pool = node.Op == "Conv2DReluMaxPool";
                    var conv = Node("Conv", p + (relu ? "/Conv" : ""), x, relu ? p + "/conv" : o,
                        Attribute.Ints("kernel_shape", g.KH, g.KW), Attribute.Ints("strides", g.SH, g.SW), Attribute.Ints("dilations", g.DH, g.DW),
                        Attribute.Ints("pads", g.PadTop, g.PadLeft, bottom, right));
                    if (!relu) return conv;
                    // The fused first layer's pooling is 2x2 windows of stride 2, unpadded, rounding down (ONNX's default).
                    var activated = Node("Relu", p + (pool ? "/Relu" : ""), [conv], pool ? p + "/relu" : o);
                    return pool ? Node("MaxPool", p, [activated], o, Attribute.Ints("kernel_shape", 2, 2), Attribute.Ints("strides", 2, 2),
                        Attribute.Ints("pads", 0, 0, 0, 0)) : activated;
                }
                case ("MaxPool2D", GeometryAttributes { Geometry: var g }):
                {
                    // Ceil mode as padding: a max pool's pads never win (see the layer exporter).
                    int bottom = Math.Max(0, (g.OH - 1) * g.SH + g.KH - g.H - g.PadTop), right = Math.Max(0, (g.OW - 1) * g.SW + g.KW - g.W - g.PadLeft);
                    return Node("MaxPool", p, x, o, Attribute.Ints("kernel_shape", g.KH, g.KW), Attribute.Ints("strides", g.SH, g.SW),
                        Attribute.Ints("pads", g.PadTop, g.PadLeft, bottom, right));
                }
                case ("AvgPool2D", AvgPoolAttributes { Geometry: var g } a):
                    return Node("AveragePool", p, x, o, Attribute.Ints("kernel_shape", g.KH, g.KW), Attribute.Ints("strides", g.SH, g.SW),
                        Attribute.Ints("pads", g.PadTop, g.PadLeft, a.PadBottom, a.PadRight), Attribute.Int("count_include_pad", a.CountIncludePad ? 1 : 0),
                        Attribute.Int("ceil_mode", a.CeilMode ? 1 : 0));
                case ("IndexSelect" or "Gather", IndexAttributes a):
                {
                    string indices = Indices(a.Index, p, Mask(a.Index));
                    return Node(node.Op == "Gather" ? "GatherElements" : "Gather", p, [x[0], indices], o, Attribute.Int("axis", node.Inputs[0].Shape.NormalizeAxis(a.Axis)));
                }
                case ("Where", MaskAttributes m): return Node("Where", p, [Bools(p + "/condition", m.Mask), x[0], x[1]], o);
                case ("MaskedFill", MaskAttributes m): return Node("Where", p, [Bools(p + "/mask", m.Mask), Constant(p + "/value", m.Value), x[0]], o);
                default:
                    throw new NotSupportedException($"ONNX export: the traced forward pass records {node.Signature}, which has no ONNX form here. " +
                        "Traced ops: the arithmetic and elementwise functions, Reshape, Permute, Narrow, Concat, BroadcastTo, Sum, Softmax, LogSoftmax, " +
                        "LayerNorm, Linear, MatMul, ScaledDotProductAttention, CausalAttention, Conv2D, MaxPool2D, AvgPool2D, IndexSelect (Embedding), Gather, Where, MaskedFill.");
            }
        }

        /// <summary>An op's indices as an int64 value: read from the graph input (cast, reshaped) or written as a constant.</summary>
        private string Indices(IndexTensor index, string p, bool[]? mask)
        {
            if (index.Source is not null && ReferenceEquals(index.Source, _inputTensor))
            {
                InputReadAsIndices = true;
                _inputAsIndices ??= Node("Cast", "input_as_indices", [_input], "input_as_indices/output", Attribute.Int("to", (int)TensorProto.Types.DataType.Int64));
                return Node("Reshape", p + "/Indices", [_inputAsIndices, ShapeOf(p + "/indices_shape", index.Shape, mask, -1)], p + "/indices");
            }
            var values = new long[index.Size];
            for (int i = 0; i < values.Length; i++) values[i] = index.Span[i];
            return Int64s(p + "/indices", values, index.Shape.Dims.ToArray());
        }

        /// <summary>
        /// softmax(scale · scores) over the last axis with query i seeing keys 0..i (rows x cols, tril): the masked scores
        /// are -inf, so their weights are 0. Its initializers and helper nodes are named from <paramref name="p"/>, the
        /// Softmax <paramref name="name"/>; returns <paramref name="output"/>.
        /// </summary>
        private string CausalSoftmax(string scores, int rows, int cols, double scale, string p, string name, string output)
        {
            var mask = Bools(p + "/causal_mask", BoolTensor.Tril(rows, cols));
            var scaled = Node("Mul", p + "/Scale", [scores, Constant(p + "/scale", scale)], p + "/scaled");
            var masked = Node("Where", p + "/Where", [mask, scaled, Constant(p + "/minus_infinity", double.NegativeInfinity)], p + "/masked");
            return Node("Softmax", name, [masked], output, Attribute.Int("axis", -1));
        }

        private string Bools(string name, BoolTensor mask)
        {
            var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom(mask.Span.ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray()) };
            foreach (var d in mask.Shape.Dims) t.Dims.Add(d);
            graph.Initializer.Add(t);
            return name;
        }
    }
}
