using BenchmarkDotNet.Attributes;
using DeepLite.Autograd;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>
/// Each convolution layer of the HW1 CNNs (3x3, same padding), forward and forward+backward, every
/// DeepLite algorithm beside libtorch.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class ConvBenchmarks
{
    [Params("3->64@32", "64->128@16", "128->256@8", "256->480@4", "1->32@28")]
    public string Layer { get; set; } = "3->64@32";

    /// <summary>Batches 256 (the full preset's), 32 and 1; DEEPLITE_CONV_BATCHES=32 (comma-separated) runs fewer.</summary>
    public static IEnumerable<int> Batches => (Environment.GetEnvironmentVariable("DEEPLITE_CONV_BATCHES") ?? "256,32,1").Split(',').Select(int.Parse);

    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; }

    private Tensor<float> _x = null!, _w = null!, _b = null!;
    private TorchSharp.torch.Tensor _tx = null!, _tw = null!, _tb = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        var sizes = Layer.Replace("->", " ").Replace("@", " ").Split(' ').Select(int.Parse).ToArray();
        int c = sizes[0], f = sizes[1], hw = sizes[2];
        var r = new SeededRandom(2);
        _x = Tensor<float>.Uniform(new Shape(Batch, c, hw, hw), -1, 1, r);
        _w = Tensor<float>.Uniform(new Shape(f, c, 3, 3), -0.1, 0.1, r);
        _b = Tensor<float>.Uniform(new Shape(f), -0.1, 0.1, r);
        _w.RequiresGrad = true; _b.RequiresGrad = true;
        _tx = Torch.Randn(Batch, c, hw, hw);
        _tw = Torch.Randn(f, c, 3, 3).requires_grad_(true);
        _tb = Torch.Randn(f).requires_grad_(true);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void TorchForward()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        nn.functional.conv2d(_tx, _tw, _tb, padding: [1, 1]);
    }

    [Benchmark, BenchmarkCategory("Forward")]
    public void DeepLiteIm2ColForward() => DeepLiteForward(ConvAlgorithm.Im2ColGemm);

    [Benchmark, BenchmarkCategory("Forward")]
    public void DeepLiteDirectForward() => DeepLiteForward(ConvAlgorithm.Direct);

    [Benchmark, BenchmarkCategory("Forward")]
    public void DeepLiteWinograd4x4Forward() => DeepLiteForward(ConvAlgorithm.Winograd4x4);

    /// <summary>The forward pass by one algorithm, outside autograd, its memory pooled.</summary>
    private void DeepLiteForward(ConvAlgorithm algorithm)
    {
        using var scope = TensorPool.BeginScope();
        using var _ = GradMode.Disable();
        _x.Conv2D(_w, _b, 1, Padding.Same, algorithm: algorithm);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ForwardBackward")]
    public void TorchForwardBackward()
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.conv2d(_tx, _tw, _tb, padding: [1, 1]);
        y.backward([ones_like(y)]);
        _tw.grad?.zero_(); _tb.grad?.zero_();
    }

    [Benchmark, BenchmarkCategory("ForwardBackward")]
    public void DeepLiteForwardBackward()
    {
        using var scope = TensorPool.BeginScope();
        var y = _x.Conv2D(_w, _b, 1, Padding.Same);
        y.Backward(Tensor<float>.Ones(y.Shape.ToArray()));
        _w.ZeroGrad(); _b.ZeroGrad(); // keep the gradients' memory, as the reference's zero_() does
    }
}
