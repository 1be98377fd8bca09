using DeepLite.Layers;
using DeepLite.Serialization.Onnx;
using DeepLite.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DeepLite.Tests.Docs;

// docs/saving.md's ONNX sample, in a file of its own: ONNX Runtime's Tensor<T> would clash with DeepLite's in DocSamples.cs.
public sealed partial class DocSamples
{
    [Fact]
    public void ExportToOnnx()
    {
        LayerDefaults.ManualSeed(3);
        // snippet-begin: export-onnx
        var cnn = new Sequential<float>(
            new Conv2D<float>(1, 8, kernelSize: 3, padding: Padding.Same), new BatchNorm<float>(8), new Relu<float>(),
            new MaxPool2D<float>(2), new Flatten<float>(), new Dropout<float>(0.3), new Dense<float>(8 * 14 * 14, 10));
        // ... train it on MNIST normalized with Normalization.Mnist, then write the graph and its weights (the batch
        // dimension stays dynamic) with that normalization as its first nodes: the deployed model takes pixels in [0, 1].
        var path = Path.Combine(Directory.CreateTempSubdirectory("deeplite-").FullName, "cnn.onnx");
        cnn.ExportOnnx(path, inputShape: [1, 28, 28], new OnnxExportOptions
        {
            SoftmaxOutput = true,
            InputNormalization = new(Mean: [0.1307f], Std: [0.3081f]),   // Normalization.Mnist
        });

        // Serving it anywhere ONNX runs, e.g. with Microsoft.ML.OnnxRuntime:
        using var session = new InferenceSession(path);
        var images = new DenseTensor<float>(new float[2 * 28 * 28], [2, 1, 28, 28]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", images)]);
        var probabilities = results[0].AsTensor<float>();   // [2, 10], each row sums to 1
        // snippet-end
        Assert.Equal([2, 10], probabilities.Dimensions.ToArray());
        Assert.Equal(1, probabilities.ToArray()[..10].Sum(), 5);
        session.Dispose();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void ExportGptToOnnx()
    {
        // snippet-begin: export-gpt-onnx
        var gpt = new Gpt<float>(GptConfig.ShakespeareCharCpu, new SeededRandom(1337));
        // ... train it (samples/DeepLite.CharGpt), then trace it on 64 tokens (zeros of [1, 64]: token 0):
        var path = Path.Combine(Directory.CreateTempSubdirectory("deeplite-").FullName, "gpt.onnx");
        gpt.ExportOnnx(path, inputShape: [64]);

        using var session = new InferenceSession(path);
        var tokens = new DenseTensor<long>(new long[2 * 64], [2, 64]);   // int64 tokens, any batch size
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", tokens)]);
        var logits = results[0].AsTensor<float>();   // [2, 64, 65]
        // snippet-end
        Assert.Equal([2, 64, 65], logits.Dimensions.ToArray());
        session.Dispose();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
