using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Tests.Tensors;

/// <summary>The new ops' values and conventions as PyTorch defines them (gradients are the properties' business).</summary>
public class OpsSemanticsTests
{
    private static Tensor<double> T(params double[] values) => Tensor.FromArray(values);

    private static double[] GradOf(Tensor<double> x, Func<Tensor<double>, Tensor<double>> f)
    {
        var leaf = x.Clone(); leaf.RequiresGrad = true;
        f(leaf).Sum().Backward();
        return leaf.Grad!.ToArray();
    }

    [Fact]
    public void MaximumAndMinimumSplitATieAndPropagateNaN()
    {
        var a = T(1, 2, 3); var b = T(1, 5, 0);
        Assert.Equal([1, 5, 3], a.Maximum(b).ToArray());
        Assert.Equal([1, 2, 0], a.Minimum(b).ToArray());
        Assert.Equal([0.5, 0, 1], GradOf(a, x => x.Maximum(b)));
        Assert.Equal([0.5, 1, 0], GradOf(a, x => x.Minimum(b)));
        Assert.True(double.IsNaN(T(double.NaN, 1).Maximum(T(0, double.NaN)).ToArray().Aggregate((x, y) => x + y)));
        Assert.All(T(double.NaN, 1).Maximum(T(0, double.NaN)).ToArray(), v => Assert.True(double.IsNaN(v)));
        Assert.All(T(double.NaN, 1).Minimum(T(0, double.NaN)).ToArray(), v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void ClampKeepsTheGradientOnItsBoundsAndNaN()
    {
        var x = T(-2, -1, 0, 1, 2, double.NaN);
        var y = x.Clamp(-1, 1).ToArray();
        Assert.Equal([-1, -1, 0, 1, 1], y[..5]);
        Assert.True(double.IsNaN(y[5]));
        Assert.Equal([0, 1, 1, 1, 0], GradOf(T(-2, -1, 0, 1, 2), v => v.Clamp(-1, 1)));
        Assert.Equal([-2, -1, 0, 0.5, 0.5], T(-2, -1, 0, 1, 2).Clamp(max: 0.5).ToArray());
        Assert.Throws<ArgumentException>(() => x.Clamp());
        Assert.Throws<ArgumentException>(() => x.Clamp(2, 1));
    }

    [Fact]
    public void AbsSignSqrtRsqrtSinCos()
    {
        Assert.Equal([2, 0, 3], T(-2, 0, 3).Abs().ToArray());
        Assert.Equal([-1, 0, 1], T(-2, 0, 3).Sign().ToArray());
        Assert.Equal([-1, 0, 1], GradOf(T(-2, 0, 3), x => x.Abs())); // 0 at 0, as PyTorch
        Assert.Equal([2, 3], T(4, 9).Sqrt().ToArray());
        Assert.Equal([0.5, 0.25], T(4, 16).Rsqrt().ToArray());
        Assert.True(double.IsNaN(T(-1).Sqrt().Item()));
        Assert.Equal(Math.Sin(0.7), T(0.7).Sin().Item(), 14);
        Assert.Equal(Math.Cos(0.7), T(0.7).Cos().Item(), 14);
    }

    [Fact]
    public void SoftplusSiluAndGeluTanhFollowPyTorch()
    {
        // softplus(x) = log(1 + e^x); x itself above the threshold; no overflow far below.
        Assert.Equal(Math.Log(1 + Math.Exp(0.3)), T(0.3).Softplus().Item(), 14);
        Assert.Equal(25.0, T(25).Softplus().Item());
        Assert.Equal(Math.Exp(-800), T(-800).Softplus().Item());
        Assert.Equal(Math.Log(1 + Math.Exp(2 * 0.4)) / 2, T(0.4).Softplus(beta: 2).Item(), 14);
        Assert.Equal(0.3 / (1 + Math.Exp(-0.3)), T(0.3).Silu().Item(), 14);
        Assert.Equal(0.0, T(-800).Silu().Item());
        double x = 0.8, u = Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        Assert.Equal(0.5 * x * (1 + Math.Tanh(u)), T(x).Gelu(GeluApproximation.Tanh).Item(), 14);
        Assert.Equal(T(x).Gelu().Item(), T(x).Gelu(GeluApproximation.None).Item());
        Assert.Equal(0.0, T(-40).Gelu(GeluApproximation.Tanh).Item(), 14);
        Assert.Equal(40.0, T(40).Gelu(GeluApproximation.Tanh).Item());
    }

    [Fact]
    public void StatisticsAndNorms()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 2, 2, 2, 6 }, 2, 4);
        Assert.Equal(5.0 / 3, x.Narrow(0, 0, 1).Var().Item(), 14);            // unbiased, PyTorch's default
        Assert.Equal(1.25, x.Narrow(0, 0, 1).Var(unbiased: false).Item(), 14);
        Assert.Equal([5.0 / 3, 4], x.Var(1).ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.True(double.IsNaN(T(3).Var().Item()));                  // n - 1 = 0, as PyTorch
        Assert.Equal([0, 0], GradOf(T(2, 2), v => v.Std(unbiased: false)));  // 0 where the spread is 0, as PyTorch
        Assert.Equal([0, 0], GradOf(T(0, 0), v => v.Norm()));
        Assert.Equal(new Shape(2, 1), x.Std(1, keepDims: true).Shape);
        Assert.Equal(2, x.Std(1).ToArray()[1], 14);
        Assert.Equal(5, T(3, -4).Norm().Item(), 14);
        Assert.Equal(7, T(3, -4).Norm(1).Item(), 14);
        Assert.Equal(4, T(3, -4).Norm(double.PositiveInfinity).Item(), 14);
        Assert.Equal(Math.Pow(27 + 64, 1 / 3.0), T(3, -4).Norm(3).Item(), 14);
        Assert.Throws<ArgumentOutOfRangeException>(() => T(1).Norm(0.5));
        Assert.Equal([1, 2], x.Min(1).ToArray());
        Assert.Equal(1, x.Min().Item());
        Assert.Equal([0, 0], x.ArgMin(1).ToArray()); // the first minimum
        Assert.Equal(0, x.ArgMin());
        var (values, indices) = x.MinWithIndices(0);
        Assert.Equal([1, 2, 2, 4], values.ToArray());
        Assert.Equal([0, 0, 1, 0], indices.ToArray());
    }

    [Fact]
    public void LogSumExpIsStable()
    {
        Assert.Equal(1000 + Math.Log(2), T(1000, 1000).LogSumExp(0).Item(), 10);
        Assert.Equal(double.NegativeInfinity, T(double.NegativeInfinity, double.NegativeInfinity).LogSumExp(0).Item());
        Assert.Equal(double.PositiveInfinity, T(1, double.PositiveInfinity).LogSumExp(0).Item());
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(new Shape(1, 2), x.LogSumExp(0, keepDims: true).Shape);
        Assert.Equal(Math.Log(Math.Exp(1) + Math.Exp(3)), x.LogSumExp(0).ToArray()[0], 14);
    }

    [Fact]
    public void ComparisonsMasksAndSelection()
    {
        var x = T(1, 2, 3);
        Assert.Equal([false, false, true], x.Gt(2.0).ToArray());
        Assert.Equal([false, true, true], x.Ge(2.0).ToArray());
        Assert.Equal([true, false, false], x.Lt(2.0).ToArray());
        Assert.Equal([true, true, false], x.Le(2.0).ToArray());
        Assert.Equal([false, true, false], x.Eq(2.0).ToArray());
        Assert.Equal([true, false, true], x.Ne(2.0).ToArray());
        Assert.Equal([false, true], T(1, double.NaN).IsNaN().ToArray());
        // Broadcasting: [3, 1] against [3].
        var column = Tensor.FromArray(new double[] { 1, 2, 3 }, 3, 1);
        var greater = column.Gt(x);
        Assert.Equal(new Shape(3, 3), greater.Shape);
        Assert.Equal(3, greater.Count());
        Assert.Equal([10, 20, 3], Tensor<double>.Where(x.Lt(3.0), x * 10.0, x).ToArray());
        Assert.Equal([-1, 2, -1], x.MaskedFill(BoolTensor.FromArray([true, false, true]), -1).ToArray());
        Assert.Equal([0, 1, 0], GradOf(x, v => v.MaskedFill(BoolTensor.FromArray([true, false, true]), -1)));
        Assert.Equal([1, 0, 1], GradOf(x, v => Tensor<double>.Where(BoolTensor.FromArray([true, false, true]), v, v * 0.0)));
        Assert.Throws<ArgumentException>(() => x.MaskedFill(BoolTensor.Full(true, 2), 0));
        var m = BoolTensor.FromArray([true, false]);
        Assert.Equal([false, true], (!m).ToArray());
        Assert.Equal([false, false], (m & !m).ToArray());
        Assert.Equal([true, true], (m | !m).ToArray());
        Assert.True(m.Any()); Assert.False(m.All());
    }

    [Fact]
    public void TrianglesAsTorchTrilAndTriu()
    {
        var x = Tensor<double>.Ones(3, 3);
        Assert.Equal([1, 0, 0, 1, 1, 0, 1, 1, 1], x.Tril().ToArray());
        Assert.Equal([1, 1, 0, 1, 1, 1, 1, 1, 1], x.Tril(1).ToArray());
        Assert.Equal([1, 1, 1, 0, 1, 1, 0, 0, 1], x.Triu().ToArray());
        Assert.Equal([0, 1, 1, 0, 0, 1, 0, 0, 0], x.Triu(1).ToArray());
        Assert.Equal(x.Tril().ToArray().Select(v => v != 0), BoolTensor.Tril(3, 3).ToArray());
        Assert.Equal(x.Triu(-1).ToArray().Select(v => v != 0), BoolTensor.Triu(3, 3, -1).ToArray());
        Assert.Equal(new Shape(2, 3, 4), Tensor<double>.Ones(2, 3, 4).Tril().Shape);
        Assert.Throws<ArgumentException>(() => T(1, 2).Tril());
    }

    [Fact]
    public void GatherScatterIndexSelectAsTheTorchDocs()
    {
        // torch.gather(t, 1, torch.tensor([[0, 0], [1, 0]])) with t = [[1, 2], [3, 4]] is [[1, 1], [4, 3]].
        var t = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal([1, 1, 4, 3], t.Gather(1, IndexTensor.FromArray([0, 0, 1, 0], 2, 2)).ToArray());
        // scatter_add: zeros(2, 3).scatter_add(1, [[0, 1, 0]], [[1, 2, 3]]) puts 1 + 3 at column 0.
        var z = Tensor<double>.Zeros(2, 3).ScatterAdd(1, IndexTensor.FromArray([0, 1, 0], 1, 3), Tensor.FromArray(new double[] { 1, 2, 3 }, 1, 3));
        Assert.Equal([4, 2, 0, 0, 0, 0], z.ToArray());
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        Assert.Equal([5, 6, 1, 2, 5, 6], x.IndexSelect(0, IndexTensor.FromArray([2, 0, 2])).ToArray());
        Assert.Equal([2, 4, 6], x.IndexSelect(1, IndexTensor.FromArray([1])).ToArray());
        Assert.Equal([1, 0, 0, 0, 2, 0], GradOf(x, v => v.IndexSelect(0, IndexTensor.FromArray([2, 0, 2])).Narrow(1, 0, 1)));
        Assert.Equal([11, 2, 3, 4, 15, 6], x.IndexAdd(0, IndexTensor.FromArray([0, 2]), Tensor.FromArray(new double[] { 10, 0, 10, 0 }, 2, 2)).ToArray());
        var ex = Assert.Throws<IndexOutOfRangeException>(() => x.IndexSelect(0, IndexTensor.FromArray([3])));
        Assert.Contains("index 3", ex.Message);
        Assert.Throws<IndexOutOfRangeException>(() => t.Gather(0, IndexTensor.FromArray([2, 0], 1, 2)));
        Assert.Throws<ArgumentException>(() => t.Gather(0, IndexTensor.FromArray([0, 0])));
        Assert.Equal([0, 1, 2], IndexTensor.Arange(3).ToArray());
        Assert.Equal(new Shape(3, 1), IndexTensor.Arange(3).Reshape(-1, 1).Shape);
    }

    [Fact]
    public void ShapeOpsAsPyTorch()
    {
        var x = Tensor<double>.Zeros(2, 1, 3);
        Assert.Equal(new Shape(2, 3), x.Squeeze().Shape);
        Assert.Equal(new Shape(2, 3), x.Squeeze(1).Shape);
        Assert.Equal(new Shape(2, 1, 3), x.Squeeze(0).Shape); // not of size 1: unchanged, as PyTorch
        Assert.Equal(new Shape(1, 2, 1, 3), x.Unsqueeze(0).Shape);
        Assert.Equal(new Shape(2, 1, 3, 1), x.Unsqueeze(-1).Shape);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Unsqueeze(4));
        var a = T(1, 2); var b = T(3, 4);
        Assert.Equal([1, 2, 3, 4], Tensor<double>.Stack([a, b]).ToArray());
        Assert.Equal([1, 3, 2, 4], Tensor<double>.Stack([a, b], 1).ToArray());
        Assert.Equal(new Shape(2, 2), Tensor<double>.Stack([a, b], -1).Shape);
        Assert.Throws<ArgumentException>(() => Tensor<double>.Stack([a, T(1)]));
        var five = T(1, 2, 3, 4, 5);
        Assert.Equal([2, 2, 1], five.Split(2).Select(p => p.Size));
        Assert.Equal([1, 4], five.Split([1, 4]).Select(p => p.Size));
        Assert.Throws<ArgumentException>(() => five.Split([1, 3]));
        Assert.Equal([2, 2, 1], five.Chunk(3).Select(p => p.Size));
        Assert.Equal([2, 2, 2], T(1, 2, 3, 4, 5, 6).Chunk(4).Select(p => p.Size)); // PyTorch: 3 chunks of 2
        // Vectors in MatMul.
        var m = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal(new Shape(2), a.MatMul(m).Shape);
        Assert.Equal([7, 10], a.MatMul(m).ToArray());
        Assert.Equal([5, 11], m.MatMul(a).ToArray());
        Assert.Equal(Shape.Scalar, a.MatMul(b).Shape);
        Assert.Equal(11, a.MatMul(b).Item());
        Assert.Equal(new Shape(4, 3, 2, 5), Tensor<double>.Zeros(4, 1, 2, 7).MatMul(Tensor<double>.Zeros(3, 7, 5)).Shape);
        Assert.Throws<ArgumentException>(() => Tensor<double>.Zeros(4, 2, 7).MatMul(Tensor<double>.Zeros(3, 7, 5)));
    }

    [Fact]
    public void LayerNormNormalizesEachRow()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 10, 10, 13 }, 2, 3);
        var y = x.LayerNorm([3]).ToArray();
        double s = Math.Sqrt(2.0 / 3 + 1e-5);
        Assert.Equal(-1 / s, y[0], 12); Assert.Equal(0, y[1], 12); Assert.Equal(1 / s, y[2], 12);
        var w = T(1, 2, 3); var b = T(0, 0, 1);
        var affine = x.LayerNorm([3], w, b).ToArray();
        Assert.Equal(3 / s + 1, affine[2], 12);
        // Over two dimensions: the whole [2, 3] sample.
        var whole = x.Reshape(1, 2, 3).LayerNorm([2, 3]).ToArray();
        Assert.Equal(0, whole.Sum(), 12);
        Assert.Throws<ArgumentException>(() => x.LayerNorm([2]));
        // float agrees with double.
        var f = Tensor.FromArray(new float[] { 1, 2, 3, 10, 10, 13 }, 2, 3).LayerNorm([3]).ToArray();
        Assert.Equal(y.Select(v => (float)v), f.Select(v => (float)Math.Round(v, 5)), (p, q) => Math.Abs(p - q) < 1e-4);
    }

    [Fact]
    public void AttentionIsCausalAndMatchesTheMaskedForm()
    {
        var random = new SeededRandom(3);
        var q = Tensor<double>.Normal(new Shape(2, 3, 5, 4), 0, 1, random);
        var k = Tensor<double>.Normal(new Shape(2, 3, 5, 4), 0, 1, random);
        var v = Tensor<double>.Normal(new Shape(2, 3, 5, 6), 0, 1, random);
        var causal = q.ScaledDotProductAttention(k, v, isCausal: true).ToArray();
        var masked = q.ScaledDotProductAttention(k, v, mask: BoolTensor.Tril(5, 5)).ToArray();
        for (int i = 0; i < causal.Length; i++) Assert.Equal(masked[i], causal[i], 12);
        // The first query sees the first key only: its output is the first value.
        Assert.Equal(v.Narrow(2, 0, 1).ToArray(), q.ScaledDotProductAttention(k, v, isCausal: true).Narrow(2, 0, 1).ToArray());
        // softmax(q kᵀ / √E) v by hand for one head.
        var plain = q.ScaledDotProductAttention(k, v).ToArray();
        var reference = (q.MatMul(k.Transpose()) * (1 / Math.Sqrt(4))).Softmax().MatMul(v).ToArray();
        for (int i = 0; i < plain.Length; i++) Assert.Equal(reference[i], plain[i], 12);
        Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(k, v, mask: BoolTensor.Tril(5, 5), isCausal: true));
    }

    [Fact]
    public void CausalSoftmaxKernelAtEveryRowLength()
    {
        // Rows of 1..67 columns (every vector tail), float and double, against the masked softmax written with ops.
        for (int t = 1; t <= 67; t++)
        {
            var random = new SeededRandom(t);
            var q = Tensor<double>.Normal(new Shape(1, 1, t, 2), 0, 1, random);
            var k = Tensor<double>.Normal(new Shape(1, 1, t, 2), 0, 1, random);
            var v = Tensor<double>.Normal(new Shape(1, 1, t, 3), 0, 1, random);
            var fused = q.ScaledDotProductAttention(k, v, isCausal: true).ToArray();
            var masked = q.ScaledDotProductAttention(k, v, mask: BoolTensor.Tril(t, t)).ToArray();
            for (int i = 0; i < fused.Length; i++) Assert.Equal(masked[i], fused[i], 11);
            // The fused backward (one pass per row) against the masked softmax's recorded ops.
            var seed = Tensor<double>.Normal(new Shape(1, 1, t, 3), 0, 1, random);
            Tensor<double>[] Gradients(bool causal)
            {
                var (ql, kl, vl) = (q.Clone(), k.Clone(), v.Clone());
                ql.RequiresGrad = kl.RequiresGrad = vl.RequiresGrad = true;
                var y = causal ? ql.ScaledDotProductAttention(kl, vl, isCausal: true) : ql.ScaledDotProductAttention(kl, vl, mask: BoolTensor.Tril(t, t));
                return DeepLite.Autograd.AutoDiff.Grad(y, [ql, kl, vl], seed);
            }
            var (viaFused, viaMask) = (Gradients(true), Gradients(false));
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < viaFused[j].Size; i++) Assert.Equal(viaMask[j].ToArray()[i], viaFused[j].ToArray()[i], 11);
            var qf = Tensor.FromArray(q.ToArray().Select(x => (float)x).ToArray(), 1, 1, t, 2);
            var kf = Tensor.FromArray(k.ToArray().Select(x => (float)x).ToArray(), 1, 1, t, 2);
            var vf = Tensor.FromArray(v.ToArray().Select(x => (float)x).ToArray(), 1, 1, t, 3);
            var fusedF = qf.ScaledDotProductAttention(kf, vf, isCausal: true).ToArray();
            for (int i = 0; i < fused.Length; i++) Assert.True(Math.Abs(fusedF[i] - fused[i]) < 1e-4, $"t={t} i={i}");
        }
    }

    [Fact]
    public void LayerNormKernelAtEveryRowLength()
    {
        // Rows of 1..67 elements (every vector tail), forward and fused backward against the same formula written with
        // ops (mean, biased variance, rsqrt), float and double.
        for (int n = 1; n <= 67; n++)
        {
            var x = Tensor<double>.Normal(new Shape(3, n), 1, 2, new SeededRandom(n));
            var g = Tensor<double>.Normal(new Shape(3, n), 0, 1, new SeededRandom(n + 100));
            var leaf = x.Clone(); leaf.RequiresGrad = true;
            var y = leaf.LayerNorm([n]);
            (y * g).Sum().Backward();
            var reference = x.Clone(); reference.RequiresGrad = true;
            var centered = reference - reference.Mean(1, keepDims: true);
            var yr = centered * (reference.Var(1, unbiased: false, keepDims: true) + 1e-5).Rsqrt();
            (yr * g).Sum().Backward();
            var (a, b) = (y.ToArray(), yr.ToArray());
            for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 12);
            var (ga, gb) = (leaf.Grad!.ToArray(), reference.Grad!.ToArray());
            for (int i = 0; i < ga.Length; i++) Assert.Equal(gb[i], ga[i], 10);
            var xf = Tensor.FromArray(x.ToArray().Select(v => (float)v).ToArray(), 3, n).LayerNorm([n]).ToArray();
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(xf[i] - a[i]) < 1e-4, $"float n={n} i={i}: {xf[i]} vs {a[i]}");
        }
    }


    [Fact]
    public void NewOpsRecordNothingWithGradOff()
    {
        var x = T(1, 2, 3); x.RequiresGrad = true;
        using (GradMode.Disable())
        {
            Assert.True(x.Sqrt().IsLeaf);
            Assert.True(x.Maximum(x).IsLeaf);
            Assert.True(x.LayerNorm([3]).IsLeaf);
        }
        Assert.Equal("Sqrt", x.Sqrt().GradFunction);
    }
}

/// <summary>The semantics that need the process-wide thread limit changed (see <see cref="ProcessWideSettings"/>).</summary>
[Collection(nameof(ProcessWideSettings))]
public class ThreadCountSemanticsTests
{
    [Fact]
    public void BatchedProductsHaveTheSameBitsWhateverTheThreadCount()
    {
        // Attention's per-head products are split over the batch when each is too small to split: same bits as one thread.
        var random = new SeededRandom(11);
        var q = Tensor<float>.Normal(new Shape(6, 4, 64, 32), 0, 1, random);
        var k = Tensor<float>.Normal(new Shape(6, 4, 64, 32), 0, 1, random);
        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        float[] one;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            one = q.MatMul(k, transposeB: true).ToArray();
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
        Assert.Equal(one, q.MatMul(k, transposeB: true).ToArray());
        Assert.Equal(q.Narrow(0, 5, 1).Narrow(1, 3, 1).Reshape(64, 32).MatMul(k.Narrow(0, 5, 1).Narrow(1, 3, 1).Reshape(64, 32), transposeB: true).ToArray(),
            one[^(64 * 64)..]);
    }
}
