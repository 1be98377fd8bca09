using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Serialization.Onnx;
using DeepLite.Tensors;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = DeepLite.Tensors.Tensor;
using Xunit.Abstractions;

namespace DeepLite.Tests.Serialization;

/// <summary>
/// ONNX export, verified by the runtime people deploy with: every exportable layer and the HW1 models are exported,
/// loaded in ONNX Runtime and run on random inputs at several batch sizes; its outputs must match DeepLite's forward
/// pass in evaluation mode within 1e-5 of the output's scale. The exported graphs also keep the checker's rules.
/// </summary>
public class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("deeplite-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly int[] BatchSizes = [1, 3, 8];

    /// <summary>Exports, runs in ONNX Runtime at every batch size, compares; returns the largest difference relative to the output scale.</summary>
    private double RoundTrip(string name, Module<float> model, int[] inputShape, OnnxExportOptions? options = null, int seed = 1)
    {
        var path = Path.Combine(_folder, name + ".onnx");
        model.ExportOnnx(path, inputShape, options);
        CheckGraph(OnnxExporter.Build(model, inputShape, options ?? new OnnxExportOptions()), model);
        using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, sessionOptions);
        double worst = 0;
        bool wasTraining = model.IsTraining;
        model.Eval();
        foreach (int batch in BatchSizes)
        {
            var x = Tensor<float>.Uniform(new Shape([batch, .. inputShape]), -1, 1, new SeededRandom(seed * 100 + batch));
            float[] expected;
            using (DeepLite.Autograd.GradMode.Disable())
            {
                var y = model.Forward(x);
                expected = (options?.SoftmaxOutput ?? false) ? y.Softmax().ToArray() : y.ToArray();
            }
            var input = new DenseTensor(x.ToArray(), [batch, .. inputShape]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(options?.InputName ?? "input", input)]);
            var result = results.Single();
            Assert.Equal(options?.OutputName ?? "output", result.Name);
            var actual = result.AsTensor<float>();
            Assert.Equal(batch, actual.Dimensions[0]);
            var got = actual.ToArray();
            Assert.Equal(expected.Length, got.Length);
            double scale = Math.Max(1e-3, expected.Max(v => Math.Abs((double)v)));
            double difference = expected.Zip(got, (e, g) => Math.Abs((double)e - g)).Max();
            Assert.True(difference <= 1e-5 * scale, $"{name}, batch {batch}: ONNX Runtime differs by {difference:G3} for outputs of scale {scale:G3}");
            worst = Math.Max(worst, difference / scale);
        }
        if (wasTraining) model.Train();
        output.WriteLine($"{name}: {new FileInfo(path).Length:N0} bytes, largest difference {worst:G3} of the output scale");
        return worst;
    }

    /// <summary>
    /// The rules of ONNX's checker that an exporter can break: a typed graph input and output (element type, every
    /// dimension a value or a name), unique node names, every value produced once, every node input defined before
    /// the node (the nodes in topological order), initializers named as the model's tensors and unique, the operator
    /// set and producer recorded.
    /// </summary>
    private static void CheckGraph(ModelProto model, Module<float> module)
    {
        Assert.Equal("DeepLite", model.ProducerName);
        Assert.NotEmpty(model.ProducerVersion);
        var opset = Assert.Single(model.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.InRange(model.IrVersion, 8, 9);
        var graph = model.Graph;
        foreach (var value in graph.Input.Concat(graph.Output))
        {
            Assert.Equal((int)TensorProto.Types.DataType.Float, value.Type.TensorType.ElemType);
            Assert.All(value.Type.TensorType.Shape.Dim, d => Assert.True(d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.None));
            Assert.Equal("N", value.Type.TensorType.Shape.Dim[0].DimParam);
        }
        var defined = new HashSet<string>(graph.Input.Select(i => i.Name));
        foreach (var init in graph.Initializer) Assert.True(defined.Add(init.Name), $"initializer {init.Name} defined twice");
        var stateNames = module.NamedState().Select(s => s.Name).ToHashSet();
        Assert.All(graph.Initializer.Where(i => !i.Name.Contains('/')), i => Assert.Contains(i.Name, stateNames));
        var nodeNames = new HashSet<string>();
        foreach (var node in graph.Node)
        {
            Assert.True(nodeNames.Add(node.Name), $"node name {node.Name} repeated");
            Assert.All(node.Input, i => Assert.True(defined.Contains(i), $"node {node.Name} reads {i} before it is defined"));
            foreach (var o in node.Output) Assert.True(defined.Add(o), $"value {o} produced twice");
        }
        Assert.All(graph.Output, o => Assert.Contains(o.Name, defined));
    }

    [Fact]
    public void TheInputNormalizationIsWrittenIntoTheGraphOrRecorded()
    {
        LayerDefaults.ManualSeed(4);
        var model = new Sequential<float>(new Conv2D<float>(3, 4, kernelSize: 3), new Relu<float>(), new Flatten<float>(), new Dense<float>(4 * 6 * 6, 5));
        model.Eval();
        float[] mean = [0.4914f, 0.4822f, 0.4465f], std = [0.2470f, 0.2435f, 0.2616f];
        var raw = Tensor<float>.Uniform(new Shape(2, 3, 8, 8), 0, 1, new SeededRandom(5));
        var normalized = (raw - Tensor.FromArray(mean, 3, 1, 1)) / Tensor.FromArray(std, 3, 1, 1);
        float[] expected;
        using (DeepLite.Autograd.GradMode.Disable()) expected = model.Forward(normalized).ToArray();
        double scale = expected.Max(v => Math.Abs((double)v));

        float[] Run(string path, Tensor<float> input, string inGraph)
        {
            using var session = new InferenceSession(path);
            var metadata = session.ModelMetadata.CustomMetadataMap;
            Assert.Equal("0.4914,0.4822,0.4465", metadata["deeplite.input_mean"]);
            Assert.Equal("0.247,0.2435,0.2616", metadata["deeplite.input_std"]);
            Assert.Equal(inGraph, metadata["deeplite.input_normalized_in_graph"]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor(input.ToArray(), [2, 3, 8, 8]))]);
            return results[0].AsTensor<float>().ToArray();
        }
        // In the graph: the deployed model takes the raw inputs and computes what DeepLite's does on normalized ones.
        var baked = Path.Combine(_folder, "normalized-in-graph.onnx");
        model.ExportOnnx(baked, [3, 8, 8], new OnnxExportOptions { InputNormalization = new(mean, std) });
        Assert.True(expected.Zip(Run(baked, raw, "true"), (e, g) => Math.Abs((double)e - g)).Max() <= 1e-5 * scale);
        // Recorded only: the graph takes normalized inputs, and its metadata says how to make them.
        var recorded = Path.Combine(_folder, "normalization-recorded.onnx");
        model.ExportOnnx(recorded, [3, 8, 8], new OnnxExportOptions { InputNormalization = new(mean, std, InGraph: false) });
        Assert.True(expected.Zip(Run(recorded, normalized, "false"), (e, g) => Math.Abs((double)e - g)).Max() <= 1e-5 * scale);

        var wrong = Assert.Throws<ArgumentException>(() => model.ExportOnnx(Path.Combine(_folder, "wrong.onnx"), [3, 8, 8],
            new OnnxExportOptions { InputNormalization = new([0.1f, 0.2f], [1f, 1f]) }));
        Assert.Contains("3 channels", wrong.Message);
        Assert.False(File.Exists(Path.Combine(_folder, "wrong.onnx")));
        Assert.Throws<ArgumentException>(() => model.ExportOnnx(Path.Combine(_folder, "zero.onnx"), [3, 8, 8],
            new OnnxExportOptions { InputNormalization = new([0f], [0f]) }));
    }

    [Fact]
    public void DenseLayersAndEveryActivationRoundTrip()
    {
        var random = new SeededRandom(3);
        var model = new Sequential<float>(new Flatten<float>(),
            new Dense<float>(12, 16, random), new Relu<float>(), new Dense<float>(16, 16, random), new Tanh<float>(),
            new Dense<float>(16, 16, random), new Sigmoid<float>(), new Dense<float>(16, 16, random), new Selu<float>(),
            new Dense<float>(16, 16, random), new LeakyRelu<float>(0.2), new Dense<float>(16, 16, random), new Gelu<float>(),
            new Dropout<float>(0.5, random), new Dense<float>(16, 5, random, bias: false));
        RoundTrip("activations-opset17", model, [3, 4]);
        // Opset 20 writes GELU as its own operator.
        RoundTrip("activations-opset20", model, [3, 4], new OnnxExportOptions { Opset = 20 });
        var proto = OnnxExporter.Build(model, [3, 4], new OnnxExportOptions { Opset = 20 });
        Assert.Contains(proto.Graph.Node, n => n.OpType == "Gelu");
        Assert.DoesNotContain(proto.Graph.Node, n => n.OpType == "Erf");
        Assert.Contains(OnnxExporter.Build(model, [3, 4], new OnnxExportOptions()).Graph.Node, n => n.OpType == "Erf");
        // The model's modes are as they were: training, dropout active.
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void LayerNormSiluSoftplusAndGelusTanhFormRoundTrip()
    {
        var random = new SeededRandom(7);
        var model = new Sequential<float>(new Flatten<float>(),
            new Dense<float>(12, 16, random), new LayerNorm<float>(16), new Silu<float>(),
            new Dense<float>(16, 16, random), new LayerNorm<float>(16, bias: false), new Softplus<float>(),
            new Dense<float>(16, 16, random), new LayerNorm<float>(16, elementwiseAffine: false), new Softplus<float>(beta: 2),
            new Dense<float>(16, 16, random), new Gelu<float>(GeluApproximation.Tanh), new Dense<float>(16, 5, random));
        // LayerNorm's parameters are not the defaults, so a mix-up of scale and bias would show.
        foreach (var (name, p) in model.NamedParameters().Where(n => n.Name.Contains("layers.2") || n.Name.Contains("layers.5")))
            p.CopyFrom(Tensor<float>.Uniform(p.Shape, 0.5, 1.5, random));
        RoundTrip("layernorm-silu-softplus-opset20", model, [3, 4], new OnnxExportOptions { Opset = 20 });
        var proto = OnnxExporter.Build(model, [3, 4], new OnnxExportOptions { Opset = 20 });
        Assert.Equal(3, proto.Graph.Node.Count(n => n.OpType == "LayerNormalization"));
        // Before opset 20 GELU's tanh form is refused by name; before 17, LayerNorm.
        var path = Path.Combine(_folder, "refused.onnx");
        Assert.Contains("opset 20", Assert.Throws<NotSupportedException>(() => model.ExportOnnx(path, [3, 4])).Message);
        var ln = new Sequential<float>(new Dense<float>(4, 4), new LayerNorm<float>(4));
        RoundTrip("layernorm-opset17", ln, [4]);
        Assert.Contains("opset 17", Assert.Throws<NotSupportedException>(() => ln.ExportOnnx(path, [4], new OnnxExportOptions { Opset = 16 })).Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void AveragePoolingsCeilModeAndPaddingCountRoundTrip()
    {
        var random = new SeededRandom(8);
        var model = new Sequential<float>(
            new Conv2D<float>(1, 3, 3, random), new AvgPool2D<float>(3, 2, Padding.Symmetric(1), ceilMode: true, countIncludePad: false),
            new AvgPool2D<float>(2, 1, Padding.Symmetric(1), countIncludePad: false), new GlobalAvgPool2D<float>(keepDims: true), new Flatten<float>());
        RoundTrip("avgpool-options", model, [1, 11, 10]);
    }

    [Fact]
    public void BatchNormInEvaluationModeAndASoftmaxOutputRoundTrip()
    {
        var random = new SeededRandom(4);
        var model = new Sequential<float>(new Dense<float>(6, 8, random), new BatchNorm<float>(8), new Relu<float>(), new Dense<float>(8, 4, random));
        // Running statistics away from their initial values.
        for (int i = 0; i < 5; i++) model.Forward(Tensor<float>.Normal(new Shape(16, 6), 0.5, 2, random));
        RoundTrip("batchnorm1d-softmax", model, [6], new OnnxExportOptions { SoftmaxOutput = true, InputName = "features", OutputName = "probabilities" });
    }

    [Fact]
    public void ConvolutionsOfEveryPaddingStrideDilationAndGroupRoundTrip()
    {
        var random = new SeededRandom(5);
        var model = new Sequential<float>(
            new Conv2D<float>(3, 8, 3, random, padding: Padding.Same), new BatchNorm<float>(8), new Relu<float>(),
            new Conv2D<float>(8, 8, 3, random, stride: 2, padding: Padding.Same),                       // asymmetric "same"
            new Conv2D<float>(8, 8, (3, 1), random, padding: Padding.Symmetric(1), groups: 4, bias: false),
            new Conv2D<float>(8, 6, 3, random, dilation: (2, 1), padding: Padding.Explicit(2, 1, 0, 1)),
            new MaxPool2D<float>(2, ceilMode: true),
            new AvgPool2D<float>(2, 1, Padding.Symmetric(1)),
            new MaxPool2D<float>((2, 1), (1, 1), Padding.Valid),
            new Conv2D<float>(6, 4, 1, random), new LeakyRelu<float>(),
            new GlobalAvgPool2D<float>(), new Dense<float>(4, 3, random));
        for (int i = 0; i < 3; i++) model.Forward(Tensor<float>.Normal(new Shape(4, 3, 11, 9), 0, 1, random));
        RoundTrip("convolutions", model, [3, 11, 9]);
    }

    [Fact]
    public void TheHw1MlpsRoundTrip()
    {
        foreach (var net in Hw1Models.FunctionNets.Select(DeepLite.Experiments.Models.ModelDescription.Parse))
            RoundTrip($"hw1-1-1 {net.Name}", net.Build<float>([1], 1, new SeededRandom(1)), [1]);
        RoundTrip("hw1-2 MNIST MLP 784-128-32-10", Hw1Models.ImageMlp(new SeededRandom(2), 784, 128, 32, 10), [1, 28, 28]);
        RoundTrip("hw1-3-1 MLP 784-256-128-10", Hw1Models.ImageMlp(new SeededRandom(3), 784, 256, 128, 10), [1, 28, 28]);
        RoundTrip("hw1-3-2 MLP 784-64-64-10", Hw1Models.ImageMlp(new SeededRandom(4), 784, 64, 64, 10), [1, 28, 28]);
    }

    [Theory]
    [InlineData(0), InlineData(1), InlineData(2)]
    public void TheHw1CnnsRoundTrip(int which)
    {
        var cnn = DeepLite.Experiments.Models.ModelDescription.Parse(Hw1Models.Cnns[which]);
        RoundTrip($"hw1-1-2 {cnn.Name} mnist", cnn.Build<float>([1, 28, 28], 10, new SeededRandom(5)), [1, 28, 28], seed: 2);
        RoundTrip($"hw1-1-2 {cnn.Name} cifar10", cnn.Build<float>([3, 32, 32], 10, new SeededRandom(6)), [3, 32, 32], seed: 3);
    }

    [Fact]
    public void WhatHasNoOnnxFormIsRefusedByName()
    {
        var path = Path.Combine(_folder, "refused.onnx");
        // A custom module is traced (OnnxTraceExportTests); a Sequential of the public layers is written layer by layer,
        // and a layer that cannot take its input is refused with the fix.
        var gemm = Assert.Throws<NotSupportedException>(() => new Sequential<float>(new Conv2D<float>(1, 2, 3), new Dense<float>(3, 2)).ExportOnnx(path, [1, 5, 5]));
        Assert.Contains("Flatten", gemm.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense<float>(4, 2).ExportOnnx(path, [4], new OnnxExportOptions { Opset = 21 }));
        // A shape the model does not accept fails as its forward pass would.
        Assert.Throws<ArgumentException>(() => new Dense<float>(4, 2).ExportOnnx(path, [5]));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void DoubleModelsRoundTripInDouble()
    {
        var random = new SeededRandom(11);
        var model = new Sequential<double>(new Dense<double>(6, 8, random), new Tanh<double>(), new BatchNorm<double>(8), new Dense<double>(8, 3, random));
        model.Forward(Tensor<double>.Normal(new Shape(16, 6), 0, 1, random));
        var path = Path.Combine(_folder, "double.onnx");
        model.ExportOnnx(path, [6]);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal((int)TensorProto.Types.DataType.Double, proto.Graph.Input[0].Type.TensorType.ElemType);
        Assert.All(proto.Graph.Initializer, i => Assert.Equal((int)TensorProto.Types.DataType.Double, i.DataType));
        using var session = new InferenceSession(path);
        model.Eval();
        var x = Tensor<double>.Uniform(new Shape(5, 6), -1, 1, random);
        var expected = model.Forward(x).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<double>(x.ToArray(), [5, 6]))]);
        var got = results.Single().AsTensor<double>().ToArray();
        double difference = expected.Zip(got, (e, g) => Math.Abs(e - g)).Max();
        output.WriteLine($"double MLP with BatchNorm: largest difference {difference:G3}");
        Assert.True(difference <= 1e-12 * Math.Max(1, expected.Max(Math.Abs)), $"difference {difference}");
    }

    [Fact]
    public void ASingleLayerAndASampleInputExportToo()
    {
        var layer = new Dense<float>(5, 3, new SeededRandom(9));
        RoundTrip("single-dense", layer, [5]);
        var path = Path.Combine(_folder, "sample.onnx");
        new Sequential<float>(layer).ExportOnnx(path, Tensor<float>.Zeros(7, 5), new OnnxExportOptions { Metadata = new Dictionary<string, string> { ["dataset"] = "none" } });
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal([5L], proto.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
        Assert.Equal("layers.0.weight", proto.Graph.Initializer[0].Name);
        Assert.Equal("none", proto.MetadataProps.Single(m => m.Key == "dataset").Value);
    }
}
