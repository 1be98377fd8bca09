using BenchmarkDotNet.Attributes;
using DeepLite.Tensors;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>
/// Elementwise maps, forward only, without recording: a map with a vector form (sigmoid, SELU), one without (tanh), a
/// scalar broadcast on the left (1 - x, through the swapped operator) and a same-shape sum, at an L1-sized and an
/// L2-exceeding length.
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class ElementwiseBenchmarks
{
    [Params(4096, 1 << 20)]
    public int N;

    private Tensor<float> _x = null!, _y = null!, _one = null!;
    private TorchSharp.torch.Tensor _tx = null!, _ty = null!, _tone = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        _x = Tensor<float>.Uniform(new Shape(N), -3, 3, new SeededRandom(1));
        _y = Tensor<float>.Uniform(new Shape(N), -3, 3, new SeededRandom(2));
        _one = Tensor<float>.Ones(1);
        _tx = Torch.Randn(N); _ty = Torch.Randn(N); _tone = ones(1);
    }

    private static void Torch_(Func<TorchSharp.torch.Tensor> f) { using var scope = NewDisposeScope(); f(); }
    private static void DeepLite_(Func<Tensor<float>> f) { using var scope = TensorPool.BeginScope(); f(); }

    [Benchmark(Baseline = true), BenchmarkCategory("Sigmoid")] public void TorchSigmoid() => Torch_(() => _tx.sigmoid());
    [Benchmark, BenchmarkCategory("Sigmoid")] public void DeepLiteSigmoid() => DeepLite_(() => _x.Sigmoid());
    [Benchmark(Baseline = true), BenchmarkCategory("Selu")] public void TorchSelu() => Torch_(() => nn.functional.selu(_tx));
    [Benchmark, BenchmarkCategory("Selu")] public void DeepLiteSelu() => DeepLite_(() => _x.Selu());
    [Benchmark(Baseline = true), BenchmarkCategory("Tanh")] public void TorchTanh() => Torch_(() => _tx.tanh());
    [Benchmark, BenchmarkCategory("Tanh")] public void DeepLiteTanh() => DeepLite_(() => _x.Tanh());
    [Benchmark(Baseline = true), BenchmarkCategory("OneMinus")] public void TorchOneMinus() => Torch_(() => _tone - _tx);
    [Benchmark, BenchmarkCategory("OneMinus")] public void DeepLiteOneMinus() => DeepLite_(() => _one - _x);
    [Benchmark(Baseline = true), BenchmarkCategory("Add")] public void TorchAdd() => Torch_(() => _tx + _ty);
    [Benchmark, BenchmarkCategory("Add")] public void DeepLiteAdd() => DeepLite_(() => _x + _y);
}
