using BenchmarkDotNet.Attributes;
using DeepLite.Tensors;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>2x2 max pooling, forward and backward, on (256, 64, 32, 32).</summary>
[Config(typeof(BenchmarkConfig))]
public class PoolBenchmarks
{
    private Tensor<float> _x = null!, _seed = null!;
    private TorchSharp.torch.Tensor _tx = null!, _tseed = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        _x = Tensor<float>.Uniform(new Shape(256, 64, 32, 32), -1, 1, new SeededRandom(3));
        _x.RequiresGrad = true;
        _seed = Tensor<float>.Ones(256, 64, 16, 16);
        _tx = Torch.Randn(256, 64, 32, 32).requires_grad_(true);
        _tseed = ones(256, 64, 16, 16);
    }

    [Benchmark(Baseline = true)]
    public void TorchForwardBackward()
    {
        using var scope = NewDisposeScope();
        var y = nn.functional.max_pool2d(_tx, [2, 2]);
        y.backward([_tseed]);
        _tx.grad?.zero_();
    }

    [Benchmark]
    public void DeepLiteForwardBackward()
    {
        using var scope = TensorPool.BeginScope();
        var y = _x.MaxPool2D(2);
        y.Backward(_seed);
        _x.ZeroGrad(); // keeps the gradient's memory, as the reference's grad.zero_() does
    }
}
