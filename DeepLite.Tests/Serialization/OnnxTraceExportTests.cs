using DeepLite.Layers;
using DeepLite.Serialization.Onnx;
using DeepLite.Tensors;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace DeepLite.Tests.Serialization;

/// <summary>
/// Export by tracing: modules that are not a Sequential of the public layers (a residual CNN, nanoGPT's model with its
/// causal mask and tied head, small custom modules) are traced, written, loaded in ONNX Runtime and run at several batch
/// sizes; the outputs must match DeepLite's forward pass in evaluation mode within 1e-5 of the output's scale.
/// </summary>
public class OnnxTraceExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deeplite-onnx-trace-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A ResNet basic block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x)), the shortcut a strided 1x1 conv when the shape changes.</summary>
    private sealed class BasicBlock : Module<float>
    {
        private readonly Conv2D<float> _conv1, _conv2;
        private readonly BatchNorm<float> _bn1, _bn2;
        private readonly Conv2D<float>? _shortcut;

        public BasicBlock(int inChannels, int outChannels, int stride, SeededRandom random)
        {
            _conv1 = RegisterModule("conv1", new Conv2D<float>(inChannels, outChannels, 3, stride: stride, padding: Padding.Same, bias: false, random: random));
            _bn1 = RegisterModule("bn1", new BatchNorm<float>(outChannels));
            _conv2 = RegisterModule("conv2", new Conv2D<float>(outChannels, outChannels, 3, padding: Padding.Same, bias: false, random: random));
            _bn2 = RegisterModule("bn2", new BatchNorm<float>(outChannels));
            if (stride != 1 || inChannels != outChannels)
                _shortcut = RegisterModule("shortcut", new Conv2D<float>(inChannels, outChannels, 1, stride: stride, random: random));
        }

        public override Tensor<float> Forward(Tensor<float> x)
        {
            var y = _bn2.Forward(_conv2.Forward(_bn1.Forward(_conv1.Forward(x)).Relu()));
            return (y + (_shortcut?.Forward(x) ?? x)).Relu();
        }
    }

    /// <summary>A small residual CNN for 3x16x16 images: stem, two basic blocks, max pool, global average pool, dense.</summary>
    private sealed class ResidualCnn : Module<float>
    {
        private readonly Conv2D<float> _stem;
        private readonly BasicBlock _block1, _block2;
        private readonly Dense<float> _head;

        public ResidualCnn(SeededRandom random)
        {
            _stem = RegisterModule("stem", new Conv2D<float>(3, 8, 3, padding: Padding.Same, random: random));
            _block1 = RegisterModule("block1", new BasicBlock(8, 8, 1, random));
            _block2 = RegisterModule("block2", new BasicBlock(8, 16, 2, random));
            _head = RegisterModule("head", new Dense<float>(16, 10, random));
        }

        public override Tensor<float> Forward(Tensor<float> x) =>
            _head.Forward(_block2.Forward(_block1.Forward(_stem.Forward(x).Relu())).MaxPool2D(2).GlobalAvgPool2D());
    }

    private static ResidualCnn TrainedResidualCnn()
    {
        var random = new SeededRandom(5);
        var model = new ResidualCnn(random);
        // A few training-mode passes give the BatchNorm layers running statistics that are not 0 and 1.
        for (int i = 0; i < 3; i++) model.Forward(Tensor<float>.Normal(new Shape(8, 3, 16, 16), 0.5, 2, random));
        return model;
    }

    /// <summary>Runs the exported file in ONNX Runtime and DeepLite's forward pass on the same inputs; returns the worst difference relative to the output scale.</summary>
    private double Compare(string path, Module<float> model, Func<int, Tensor<float>> inputs, int[] batches, bool tokens = false)
    {
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, sessionOptions);
        model.Eval();
        double worst = 0;
        foreach (int batch in batches)
        {
            var x = inputs(batch);
            float[] expected;
            using (DeepLite.Autograd.GradMode.Disable()) expected = model.Forward(x).ToArray();
            var dims = x.Shape.Dims.ToArray();
            var value = tokens
                ? NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(x.ToArray().Select(v => (long)v).ToArray(), dims))
                : NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x.ToArray(), dims));
            using var results = session.Run([value]);
            var got = results.Single().AsTensor<float>().ToArray();
            Assert.Equal(expected.Length, got.Length);
            double scale = Math.Max(1e-3, expected.Max(v => Math.Abs((double)v)));
            double difference = expected.Zip(got, (e, g) => Math.Abs((double)e - g)).Max();
            Assert.True(difference <= 1e-5 * scale, $"{Path.GetFileName(path)}, batch {batch}: ONNX Runtime differs by {difference:G3} for outputs of scale {scale:G3}");
            worst = Math.Max(worst, difference / scale);
        }
        output.WriteLine($"{Path.GetFileName(path)}: {new FileInfo(path).Length:N0} bytes, batches {string.Join(", ", batches)}, largest difference {worst:G3} of the output scale");
        return worst;
    }

    private static ModelProto Read(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    /// <summary>A first layer as HW1's CNNs have it (Conv2D, ReLU, 2x2 max pooling in a Sequential), inside a module that is traced.</summary>
    private sealed class PooledStem : Module<float>
    {
        public PooledStem(SeededRandom random)
        {
            Stem = RegisterModule("stem", new Sequential<float>(new Conv2D<float>(1, 12, 3, padding: Padding.Same, random: random), new Relu<float>(), new MaxPool2D<float>(2)));
            Head = RegisterModule("head", new Dense<float>(12 * 7 * 7, 10, random));
        }

        public Sequential<float> Stem { get; }
        public Dense<float> Head { get; }

        public override Tensor<float> Forward(Tensor<float> x) => Head.Forward(Stem.Forward(x).Flatten());
    }

    [Fact]
    public void AFusedFirstLayerIsTracedAsConvReluAndMaxPool()
    {
        var model = new PooledStem(new SeededRandom(3));
        var x = Tensor<float>.Normal(new Shape(2, 1, 14, 14), 0, 1, new SeededRandom(1));
        // Where the kernels pool as they compute, Sequential records the three layers as one op ...
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.Equal("Conv2DReluMaxPool", model.Stem.Forward(x).GradFunction);
        // ... which the export writes as the three ONNX nodes.
        var path = Path.Combine(_folder, "pooled-stem.onnx");
        model.ExportOnnx(path, [1, 14, 14]);
        Compare(path, model, batch => Tensor<float>.Normal(new Shape(batch, 1, 14, 14), 0, 1, new SeededRandom(batch)), [1, 4]);
        var nodes = Read(path).Graph.Node.Select(n => n.OpType).ToList();
        Assert.Equal(["Conv", "Relu", "MaxPool"], nodes.Where(t => t is "Conv" or "Relu" or "MaxPool"));
    }

    [Fact]
    public void AResidualCnnIsTracedWithItsBatchDimensionDynamic()
    {
        var model = TrainedResidualCnn();
        var path = Path.Combine(_folder, "resnet.onnx");
        model.ExportOnnx(path, [3, 16, 16]);
        Compare(path, model, batch => Tensor<float>.Normal(new Shape(batch, 3, 16, 16), 0.5, 2, new SeededRandom(batch)), [1, 3, 8]);
        var graph = Read(path).Graph;
        Assert.Equal("N", graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal("N", graph.Output.Single().Type.TensorType.Shape.Dim[0].DimParam);
        // Parameters and buffers keep their names; the skip connection is an Add of two branches.
        foreach (var name in new[] { "stem.weight", "block1.conv1.weight", "block2.shortcut.weight", "block2.bn2.weight", "head.weight" })
            Assert.Contains(graph.Initializer, i => i.Name == name);
        Assert.Contains(graph.Node, n => n.OpType == "Add");
        Assert.Equal(6, graph.Node.Count(n => n.OpType == "Conv"));
        Assert.True(model.IsTraining is false);
        model.Train();
        model.ExportOnnx(path, [3, 16, 16]);
        Assert.True(model.IsTraining, "the export restores training mode");
    }

    [Fact]
    public void NanoGptIsTracedWithItsCausalMaskAndTiedHead()
    {
        var config = new GptConfig(VocabularySize: 65, BlockSize: 16, Layers: 2, Heads: 4, Embedding: 32);
        var model = new Gpt<float>(config, new SeededRandom(7));
        var random = new SeededRandom(8);
        Tensor<float> Tokens(int batch) => Tensor<float>.FromArray(Enumerable.Range(0, batch * 16).Select(_ => (float)random.NextInt(65)).ToArray(), batch, 16);
        var path = Path.Combine(_folder, "gpt.onnx");
        model.ExportOnnx(path, Tokens(1));
        double worst = Compare(path, model, Tokens, [1, 2, 5], tokens: true);
        var graph = Read(path).Graph;
        var input = graph.Input.Single().Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Int64, input.ElemType);
        Assert.Equal("N", input.Shape.Dim[0].DimParam);
        Assert.Equal(16, input.Shape.Dim[1].DimValue);
        // Tied: the token table is one initializer, read by the Gather of the embedding and, transposed, by the head.
        Assert.Single(graph.Initializer, i => i.Name == "transformer.wte.weight");
        Assert.Equal(2, graph.Node.Count(n => n.Input.Contains("transformer.wte.weight")));
        Assert.Equal(config.Layers, graph.Node.Count(n => n.OpType == "Softmax"));
        Assert.Equal(config.Layers, graph.Initializer.Count(i => i.Name.EndsWith("/causal_mask", StringComparison.Ordinal)));
        // Causality survives the export: changing the last token leaves the logits of the earlier positions unchanged.
        using var session = new InferenceSession(path);
        var tokens = Enumerable.Range(0, 16).Select(i => (long)(i * 7 % 65)).ToArray();
        float[] Logits(long[] t)
        {
            using var r = session.Run([NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(t, [1, 16]))]);
            return r.Single().AsTensor<float>().ToArray();
        }
        var before = Logits(tokens);
        tokens[15] = (tokens[15] + 1) % 65;
        var after = Logits(tokens);
        Assert.Equal(before[..(15 * 65)], after[..(15 * 65)]);
        Assert.NotEqual(before[(15 * 65)..], after[(15 * 65)..]);
        output.WriteLine($"GPT {model.ParameterCount:N0} parameters: largest difference {worst:G3}");
    }

    [Fact]
    public void NanoGptAtTheShakespeareSizeMatchesOnnxRuntime()
    {
        var model = new Gpt<float>(GptConfig.ShakespeareCharCpu, new SeededRandom(1337));
        var random = new SeededRandom(3);
        Tensor<float> Tokens(int batch) => Tensor<float>.FromArray(Enumerable.Range(0, batch * 64).Select(_ => (float)random.NextInt(65)).ToArray(), batch, 64);
        var path = Path.Combine(_folder, "shakespeare-char.onnx");
        model.ExportOnnx(path, Tokens(1), new OnnxExportOptions { Opset = 20 });
        Compare(path, model, Tokens, [1, 2], tokens: true);
        Assert.Contains(Read(path).Graph.Node, n => n.OpType == "Gelu");
    }

    private sealed class Residual : Module<float>
    {
        private readonly Dense<float> _inner;
        public Residual() => _inner = RegisterModule("inner", new Dense<float>(4, 4, new SeededRandom(1)));
        public override Tensor<float> Forward(Tensor<float> input) => input + _inner.Forward(input);
    }

    private sealed class Doubling : Module<float>
    {
        public override Tensor<float> Forward(Tensor<float> input) => (input * 2f).Tanh() - 0.5f;
    }

    /// <summary>Builds a constant as long as the batch: the graph is written for the sample's batch size.</summary>
    private sealed class BatchSizedConstant : Module<float>
    {
        public override Tensor<float> Forward(Tensor<float> input) => input + Tensor<float>.Ones(input.Shape[0], 1);
    }

    /// <summary>Max over an axis picks by data-dependent indices, which a trace cannot hold.</summary>
    private sealed class MaxOverFeatures : Module<float>
    {
        public override Tensor<float> Forward(Tensor<float> input) => input.Max(1);
    }

    [Fact]
    public void CustomModulesInsideOrOutsideASequentialAreTraced()
    {
        var random = new SeededRandom(4);
        Tensor<float> Inputs(int batch) => Tensor<float>.Uniform(new Shape(batch, 4), -1, 1, random);
        foreach (var (name, model) in new (string, Module<float>)[]
        {
            ("residual", new Sequential<float>(new Residual())), ("doubling", new Sequential<float>(new Dense<float>(4, 4, random), new Doubling())),
            ("layer-norm-softmax", new Sequential<float>(new Dense<float>(4, 6, random), new LayerNorm<float>(6), new Residual2(random))),
        })
        {
            var path = Path.Combine(_folder, name + ".onnx");
            model.ExportOnnx(path, [4]);
            Compare(path, model, Inputs, [1, 3]);
        }
    }

    /// <summary>Causal self-attention on [N, H, T, d] heads through the public op (the fused path, one head per leading index).</summary>
    private sealed class CausalHeads : Module<float>
    {
        public override Tensor<float> Forward(Tensor<float> input) => input.ScaledDotProductAttention(input.Tanh(), (input * 2f).Sin(), isCausal: true);
    }

    [Fact]
    public void ScaledDotProductAttentionsFusedCausalPathIsExported()
    {
        var model = new CausalHeads();
        var path = Path.Combine(_folder, "causal-heads.onnx");
        model.ExportOnnx(path, [2, 6, 4]);
        Assert.Contains(Read(path).Graph.Node, n => n.Name.StartsWith("CausalAttention", StringComparison.Ordinal));
        Compare(path, model, batch => Tensor<float>.Uniform(new Shape(batch, 2, 6, 4), -1, 1, new SeededRandom(batch)), [1, 3]);
    }

    private sealed class Residual2(SeededRandom random) : Module<float>
    {
        private readonly Dense<float> _inner = new(6, 6, random);
        public override Tensor<float> Forward(Tensor<float> input) => (input.Narrow(1, 1, 4).Softmax() * 3f).Exp().Sum(1, keepDims: true) + _inner.Forward(input).Sigmoid();
    }

    [Fact]
    public void ABatchSizedConstantFixesTheBatchAndDataDependentIndicesAreRefused()
    {
        var path = Path.Combine(_folder, "fixed.onnx");
        var model = new BatchSizedConstant();
        model.ExportOnnx(path, Tensor<float>.Zeros(3, 4));
        var input = Read(path).Graph.Input.Single().Type.TensorType.Shape;
        Assert.Equal([3L, 4L], input.Dim.Select(d => d.DimValue));
        Compare(path, model, batch => Tensor<float>.Uniform(new Shape(batch, 4), -1, 1, new SeededRandom(batch)), [3]);

        var refused = Path.Combine(_folder, "refused.onnx");
        var error = Assert.Throws<NotSupportedException>(() => new MaxOverFeatures().ExportOnnx(refused, [4]));
        Assert.Contains("records PickAlong(", error.Message);
        Assert.False(File.Exists(refused));
        Assert.DoesNotContain(Directory.GetFiles(_folder), f => f.Contains("refused", StringComparison.Ordinal));
    }
}
