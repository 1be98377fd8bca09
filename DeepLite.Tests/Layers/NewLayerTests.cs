using DeepLite.Layers;
using DeepLite.Tensors;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Layers;

/// <summary>LayerNorm, Embedding, ModuleList, CausalSelfAttention, and the BatchNorm and pooling options, as PyTorch's.</summary>
public class NewLayerTests
{
    [Fact]
    public void LayerNormHasPyTorchsParameters()
    {
        var ln = new LayerNorm<double>(4);
        Assert.Equal(["weight", "bias"], ln.NamedParameters().Select(p => p.Name));
        Assert.Equal([1, 1, 1, 1], ln.Weight!.ToArray());
        Assert.Empty(new LayerNorm<double>(4, elementwiseAffine: false).NamedParameters());
        Assert.Equal(["weight"], new LayerNorm<double>(4, bias: false).NamedParameters().Select(p => p.Name));
        var x = Tensor<double>.Normal(new Shape(2, 3, 4), 0, 1, new SeededRandom(1));
        Assert.Equal(x.LayerNorm([4]).ToArray(), ln.Forward(x).ToArray());
        Assert.Equal(new Shape(2, 3, 4), new LayerNorm<double>([3, 4]).Forward(x).Shape);
        Assert.Throws<ArgumentException>(() => new LayerNorm<double>(5).Forward(x));
    }

    [Fact]
    public void EmbeddingLooksUpRowsAndAddsTheGradientsOfRepeats()
    {
        var emb = new Embedding<double>(5, 3, new SeededRandom(2));
        Assert.Equal(["weight"], emb.NamedParameters().Select(p => p.Name));
        var idx = IndexTensor.FromArray([4, 0, 4, 1], 2, 2);
        var y = emb.Forward(idx);
        Assert.Equal(new Shape(2, 2, 3), y.Shape);
        Assert.Equal(emb.Weight.Narrow(0, 4, 1).ToArray(), y.Narrow(1, 0, 1).Narrow(0, 0, 1).ToArray());
        y.Sum().Backward();
        Assert.Equal([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2], emb.Weight.Grad!.ToArray());
        // Numbers that are indices work (a Sequential passes tensors); others are refused.
        Assert.Equal(y.ToArray(), emb.Forward(Tensor.FromArray(new double[] { 4, 0, 4, 1 }, 2, 2)).ToArray());
        Assert.Throws<ArgumentException>(() => emb.Forward(Tensor.FromArray(new double[] { 0.5 })));
        Assert.Throws<IndexOutOfRangeException>(() => emb.Forward(IndexTensor.FromArray([5])));
        // N(0, 1) by default, as PyTorch: the sample's spread is near 1.
        var large = new Embedding<double>(1000, 10, new SeededRandom(3));
        Assert.InRange(large.Weight.Std().Item(), 0.95, 1.05);
        AssertGradients(xs => xs[0].IndexSelect(0, idx.Reshape(-1)), [emb.Weight.Detach().Clone()], 2);
    }

    private sealed class Stack : Module<double>
    {
        public Stack() => H = RegisterModule("h", new ModuleList<double>(new Dense<double>(2, 2, new SeededRandom(1)), new Relu<double>(), new Dense<double>(2, 1, new SeededRandom(2))));
        public ModuleList<double> H { get; }
        public override Tensor<double> Forward(Tensor<double> input) => H.Aggregate(input, (x, m) => m.Forward(x));
    }

    [Fact]
    public void ModuleListNamesItsModulesByIndex()
    {
        var model = new Stack();
        Assert.Equal(["h.0.weight", "h.0.bias", "h.2.weight", "h.2.bias"], model.NamedParameters().Select(p => p.Name));
        Assert.Equal(3, model.H.Count);
        Assert.IsType<Relu<double>>(model.H[1]);
        Assert.Equal(new Shape(4, 1), model.Forward(Tensor<double>.Zeros(4, 2)).Shape);
        Assert.Throws<NotSupportedException>(() => model.H.Forward(Tensor<double>.Zeros(1, 2)));
    }

    [Fact]
    public void CausalSelfAttentionIsNanoGptsAndCausal()
    {
        var attention = new CausalSelfAttention<double>(8, 2, new SeededRandom(4), bias: false);
        Assert.Equal(["c_attn.weight", "c_proj.weight"], attention.NamedParameters().Select(p => p.Name));
        Assert.Equal(4 * 8 * 8, attention.ParameterCount);
        var x = Tensor<double>.Normal(new Shape(2, 5, 8), 0, 1, new SeededRandom(5));
        var y = attention.Forward(x);
        Assert.Equal(x.Shape, y.Shape);
        // Changing the last position changes no earlier output.
        var changed = x.Clone();
        for (int c = 0; c < 8; c++) changed[0, 4, c] += 1;
        var y2 = attention.Forward(changed);
        Assert.Equal(y.Narrow(1, 0, 4).ToArray(), y2.Narrow(1, 0, 4).ToArray());
        Assert.NotEqual(y.Narrow(1, 4, 1).ToArray(), y2.Narrow(1, 4, 1).ToArray());
        // Against the same computation written with public ops, head by head.
        var qkv = x.Linear(attention.Attention.Weight);
        var heads = new List<Tensor<double>>();
        for (int h = 0; h < 2; h++)
        {
            var q = qkv.Narrow(2, h * 4, 4); var k = qkv.Narrow(2, 8 + h * 4, 4); var v = qkv.Narrow(2, 16 + h * 4, 4);
            var scores = q.MatMul(k, transposeB: true) * 0.5;
            heads.Add(scores.MaskedFill(BoolTensor.Tril(5, 5).Not(), double.NegativeInfinity).Softmax().MatMul(v));
        }
        var expected = Tensor<double>.Concat(heads, 2).Linear(attention.Projection.Weight).ToArray();
        var actual = y.ToArray();
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 12);
        AssertGradients(xs => attention.Forward(xs[0]), [Tensor<double>.Normal(new Shape(1, 3, 8), 0, 1, new SeededRandom(6))], 6);
        Assert.Throws<ArgumentException>(() => new CausalSelfAttention<double>(10, 3));
        Assert.Throws<ArgumentException>(() => attention.Forward(Tensor<double>.Zeros(2, 8)));
    }

    [Fact]
    public void BatchNormWithoutAffineOrRunningStatistics()
    {
        var x = Tensor<double>.Normal(new Shape(6, 3), 2, 3, new SeededRandom(7));
        var plain = new BatchNorm<double>(3, affine: false);
        Assert.Empty(plain.NamedParameters());
        Assert.Equal(["running_mean", "running_var"], plain.NamedBuffers().Select(b => b.Name));
        var reference = new BatchNorm<double>(3);
        Assert.Equal(reference.Forward(x).ToArray(), plain.Forward(x).ToArray());
        var batchOnly = new BatchNorm<double>(3, trackRunningStatistics: false);
        Assert.Empty(batchOnly.NamedBuffers());
        batchOnly.Eval();
        // Evaluation normalizes by the batch's statistics, as PyTorch's track_running_stats=False.
        var y = batchOnly.Forward(x);
        Assert.All(y.Mean(0).ToArray(), m => Assert.Equal(0, m, 12));
    }

    /// <summary>PyTorch's avg_pool2d written out: windows clipped to the padded input for the divisor, or the input alone.</summary>
    private static double[] AvgReference(Tensor<double> x, int k, int s, int pad, bool ceil, bool includePad)
    {
        int h = x.Shape[2], w = x.Shape[3];
        int Out(int size) { int span = size + 2 * pad - k; int o = ceil ? (span + s - 1) / s + 1 : span / s + 1; if (ceil && (o - 1) * s >= size + pad) o--; return o; }
        int oh = Out(h), ow = Out(w);
        var result = new List<double>();
        for (int n = 0; n < x.Shape[0]; n++)
            for (int c = 0; c < x.Shape[1]; c++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int h0 = i * s - pad, w0 = j * s - pad, h1 = Math.Min(h0 + k, h + pad), w1 = Math.Min(w0 + k, w + pad);
                        int size = (h1 - h0) * (w1 - w0);
                        int hs = Math.Max(h0, 0), ws = Math.Max(w0, 0), he = Math.Min(h1, h), we = Math.Min(w1, w);
                        double sum = 0;
                        for (int a = hs; a < he; a++) for (int b = ws; b < we; b++) sum += x[n, c, a, b];
                        result.Add(sum / (includePad ? size : (he - hs) * (we - ws)));
                    }
        return [.. result];
    }

    [Theory]
    [InlineData(3, 2, 1, true, true)]
    [InlineData(3, 2, 1, true, false)]
    [InlineData(3, 2, 1, false, false)]
    [InlineData(2, 2, 0, true, true)]
    [InlineData(3, 3, 1, true, false)]
    public void AveragePoolingCeilModeAndPaddingCountAsPyTorch(int k, int s, int pad, bool ceil, bool includePad)
    {
        var x = Tensor<double>.Normal(new Shape(2, 2, 7, 6), 0, 1, new SeededRandom(8));
        var expected = AvgReference(x, k, s, pad, ceil, includePad);
        var layer = new AvgPool2D<double>(k, s, Padding.Symmetric(pad), ceil, includePad);
        var actual = layer.Forward(x).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++) Assert.Equal(expected[i], actual[i], 12);
        AssertGradients(xs => xs[0].AvgPool2D(k, s, Padding.Symmetric(pad), ceil, includePad), [x], 8);
        AssertHessianVectorProducts(xs => xs[0].AvgPool2D(k, s, Padding.Symmetric(pad), ceil, includePad).Square(), [x], 8);
    }

    [Fact]
    public void GlobalAveragePoolingKeepsItsPlaneOnRequest()
    {
        var x = Tensor<double>.Normal(new Shape(2, 3, 4, 5), 0, 1, new SeededRandom(9));
        Assert.Equal(new Shape(2, 3), new GlobalAvgPool2D<double>().Forward(x).Shape);
        var kept = new GlobalAvgPool2D<double>(keepDims: true).Forward(x);
        Assert.Equal(new Shape(2, 3, 1, 1), kept.Shape);
        Assert.Equal(x.GlobalAvgPool2D().ToArray(), kept.ToArray());
    }

    [Fact]
    public void NewActivationLayers()
    {
        var x = Tensor.FromArray(new double[] { -1, 0.5, 2 });
        Assert.Equal(x.Silu().ToArray(), new Silu<double>().Forward(x).ToArray());
        Assert.Equal(x.Softplus(2, 10).ToArray(), new Softplus<double>(2, 10).Forward(x).ToArray());
        Assert.Equal(x.Gelu(GeluApproximation.Tanh).ToArray(), new Gelu<double>(GeluApproximation.Tanh).Forward(x).ToArray());
        Assert.Equal(x.Gelu().ToArray(), new Gelu<double>().Forward(x).ToArray());
    }
}
