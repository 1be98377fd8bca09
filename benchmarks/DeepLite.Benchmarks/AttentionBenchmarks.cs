using BenchmarkDotNet.Attributes;
using DeepLite.Layers;
using DeepLite.Tensors;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>
/// The transformer pieces at nanoGPT's shakespeare_char CPU size (batch 12, block 64, 128 wide, 4 heads), forward and
/// backward: causal self-attention (projections included) and layer normalization, against the same modules in
/// TorchSharp (F.scaled_dot_product_attention with is_causal, F.layer_norm).
/// </summary>
[Config(typeof(BenchmarkConfig))]
public class AttentionBenchmarks
{
    private const int B = 12, T = 64, C = 128, H = 4;

    [Params("CausalSelfAttention", "LayerNorm")]
    public string Op { get; set; } = "";

    private CausalSelfAttention<float> _attention = null!;
    private LayerNorm<float> _norm = null!;
    private Tensor<float> _x = null!, _g = null!;

    private TorchSharp.Modules.Linear _qkv = null!, _proj = null!;
    private TorchSharp.Modules.LayerNorm _torchNorm = null!;
    private TorchSharp.torch.Tensor _tx = null!, _tg = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        var r = new SeededRandom(5);
        _attention = new CausalSelfAttention<float>(C, H, r, bias: false);
        _norm = new LayerNorm<float>(C, bias: false);
        _x = Tensor<float>.Normal(new Shape(B, T, C), 0, 1, r);
        _x.RequiresGrad = true;
        _g = Tensor<float>.Normal(new Shape(B, T, C), 0, 1, r);
        _qkv = nn.Linear(C, 3 * C, hasBias: false);
        _proj = nn.Linear(C, C, hasBias: false);
        _torchNorm = nn.LayerNorm(C);
        _tx = Torch.Randn(B, T, C).requires_grad_(true);
        _tg = Torch.Randn(B, T, C);
    }

    [Benchmark(Baseline = true)]
    public void TorchSharp()
    {
        using var scope = NewDisposeScope();
        TorchSharp.torch.Tensor y;
        if (Op == "LayerNorm") y = _torchNorm.forward(_tx);
        else
        {
            var qkv = _qkv.forward(_tx).view(B, T, 3, H, C / H).permute(2, 0, 3, 1, 4);
            var a = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], null, 0.0, true);
            y = _proj.forward(a.transpose(1, 2).contiguous().view(B, T, C));
        }
        y.backward([_tg]);
        _tx.grad!.zero_();
    }

    [Benchmark]
    public void DeepLite()
    {
        using var scope = TensorPool.BeginScope();
        var y = Op == "LayerNorm" ? _norm.Forward(_x) : _attention.Forward(_x);
        y.Backward(_g);
        _x.ZeroGrad();
    }
}
