using BenchmarkDotNet.Attributes;
using DeepLite.Kernels.Gemm;
using DeepLite.Tensors;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>sgemm C = A B, DeepLite against libtorch (TorchSharp), two threads each.</summary>
[Config(typeof(BenchmarkConfig))]
public class GemmBenchmarks
{
    [Params("128", "256", "512", "1024", "256x784x128")]
    public string Shape { get; set; } = "128";

    private int _m, _k, _n;
    private float[] _a = [], _b = [], _c = [];
    private TorchSharp.torch.Tensor? _ta, _tb;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        var dims = Shape.Split('x').Select(int.Parse).ToArray();
        (_m, _k, _n) = dims.Length == 1 ? (dims[0], dims[0], dims[0]) : (dims[0], dims[1], dims[2]);
        var r = new SeededRandom(1);
        _a = Tensor<float>.Uniform(new Shape(_m, _k), -1, 1, r).ToArray();
        _b = Tensor<float>.Uniform(new Shape(_k, _n), -1, 1, r).ToArray();
        _c = new float[_m * _n];
        _ta = Torch.Randn(_m, _k); _tb = Torch.Randn(_k, _n);
    }

    [Benchmark(Baseline = true)]
    public void TorchSharp()
    {
        using var c = mm(_ta!, _tb!);
    }

    [Benchmark]
    public void DeepLite() => GemmKernel.Multiply<float>(false, false, _m, _n, _k, _a, _k, _b, _n, _c, _n);
}
