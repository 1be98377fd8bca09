using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Tests.Tensors;

/// <summary>
/// The fused causal attention (one op over [B, T, H·d] rows of heads) against the separate ops it replaces: the heads
/// moved to [B, H, T, d], q kᵀ, the causal softmax, the product with v, moved back. Same bits forward and backward, in
/// float and double, at sizes around every tile and vector edge; its gradients against central differences are a
/// property in OpsGradientProperties.
/// </summary>
public class CausalAttentionTests
{
    // (B, T, H, dk, dv): nanoGPT's shakespeare_char head (12 x 64, 4 heads of 32), one token, tails of the GEMM's 8 x 48
    // tiles and of 8- and 16-lane vectors, keys wider than values and the reverse.
    public static TheoryData<int, int, int, int, int> Sizes => new()
    {
        { 12, 64, 4, 32, 32 }, { 1, 1, 1, 1, 1 }, { 2, 7, 2, 5, 3 }, { 2, 67, 3, 17, 9 }, { 1, 50, 2, 48, 16 }, { 3, 9, 1, 2, 49 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void HasTheBitsOfTheSeparateOpsInFloat(int b, int t, int h, int dk, int dv) => SameBits<float>(b, t, h, dk, dv);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void HasTheBitsOfTheSeparateOpsInDouble(int b, int t, int h, int dk, int dv) => SameBits<double>(b, t, h, dk, dv);

    private static void SameBits<T>(int b, int t, int h, int dk, int dv) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom(b * 1000 + t * 10 + h);
        var (q, k, v) = (Tensor<T>.Normal(new Shape(b, t, h * dk), 0, 1, random), Tensor<T>.Normal(new Shape(b, t, h * dk), 0, 1, random),
            Tensor<T>.Normal(new Shape(b, t, h * dv), 0, 1, random));
        var seed = Tensor<T>.Normal(new Shape(b, t, h * dv), 0, 1, random);
        T scale = T.CreateChecked(1 / Math.Sqrt(dk));
        var (fused, fusedGradients) = Run(q, k, v, seed, (x, y, z) => x.CausalAttention(y, z, h, scale));
        var (separate, separateGradients) = Run(q, k, v, seed, (x, y, z) =>
        {
            Tensor<T> Split(Tensor<T> a, int d) => a.Reshape(b, t, h, d).Permute(0, 2, 1, 3);
            return Split(x, dk).MatMul(Split(y, dk), transposeB: true).CausalSoftmax(scale).MatMul(Split(z, dv)).Permute(0, 2, 1, 3).Reshape(b, t, h * dv);
        });
        Assert.Equal(separate, fused);
        for (int i = 0; i < 3; i++) Assert.Equal(separateGradients[i], fusedGradients[i]);
    }

    private static (T[] Output, T[][] Gradients) Run<T>(Tensor<T> q, Tensor<T> k, Tensor<T> v, Tensor<T> seed, Func<Tensor<T>, Tensor<T>, Tensor<T>, Tensor<T>> f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inputs = new[] { q.Clone(), k.Clone(), v.Clone() };
        foreach (var x in inputs) x.RequiresGrad = true;
        var y = f(inputs[0], inputs[1], inputs[2]);
        return (y.ToArray(), AutoDiff.Grad(y, inputs, seed).Select(g => g.ToArray()).ToArray());
    }

    [Theory]
    [InlineData(12, 64, 4, 32)]
    [InlineData(2, 7, 3, 5)]
    [InlineData(1, 1, 1, 1)]
    public void AJointProjectionGivesTheBitsOfItsBlocks(int b, int t, int h, int d)
    {
        // [B, T, 3C] read in place (nanoGPT's c_attn output): the output, and a gradient whose blocks are the separate
        // op's gradients of q, k and v.
        int c = h * d;
        var random = new SeededRandom(t * 31 + h);
        var qkv = Tensor<float>.Normal(new Shape(b, t, 3 * c), 0, 1, random);
        var seed = Tensor<float>.Normal(new Shape(b, t, c), 0, 1, random);
        var (q, k, v) = (qkv.Narrow(2, 0, c), qkv.Narrow(2, c, c), qkv.Narrow(2, 2 * c, c));
        var (separate, separateGradients) = Run(q, k, v, seed, (x, y, z) => x.CausalAttention(y, z, h, 0.4f));
        var leaf = qkv.Clone(); leaf.RequiresGrad = true;
        var joint = leaf.CausalAttention(h, 0.4f);
        Assert.Equal(separate, joint.ToArray());
        var gradient = AutoDiff.Grad(joint, [leaf], seed)[0];
        for (int i = 0; i < 3; i++) Assert.Equal(separateGradients[i], gradient.Narrow(2, i * c, c).ToArray());
    }

    [Fact]
    public void ScaledDotProductAttentionTakesItForSquareCausalSelfAttention()
    {
        // The public op on [B, H, T, d] goes through the fused op (one head per leading index) and records it; the values
        // are those of the masked form.
        var random = new SeededRandom(5);
        var q = Tensor<double>.Normal(new Shape(2, 3, 6, 4), 0, 1, random); q.RequiresGrad = true;
        var k = Tensor<double>.Normal(new Shape(2, 3, 6, 4), 0, 1, random);
        var v = Tensor<double>.Normal(new Shape(2, 3, 6, 5), 0, 1, random);
        var y = q.ScaledDotProductAttention(k, v, isCausal: true, scale: 0.3);
        Assert.Equal([2, 3, 6, 5], y.Shape.ToArray());
        Assert.Equal("Reshape", y.GradFunction);
        Assert.Equal("CausalAttention", y.Node!.Inputs[0].GradFunction);
        var masked = q.ScaledDotProductAttention(k, v, mask: BoolTensor.Tril(6, 6), scale: 0.3).ToArray();
        var values = y.ToArray();
        for (int i = 0; i < values.Length; i++) Assert.Equal(masked[i], values[i], 12);
        // Queries longer than the keys keep the general form (PyTorch's tril(L, S) of a rectangle).
        Assert.Equal("MatMul", q.ScaledDotProductAttention(k.Narrow(2, 0, 4), v.Narrow(2, 0, 4), isCausal: true).GradFunction);
    }

    [Fact]
    public void NonFiniteValuesPropagateAsInTheSeparateOps()
    {
        // A NaN value reaches every query's output (its weight is 0 above the diagonal, and 0 · NaN is NaN), as the
        // separate ops' product gives and as PyTorch's math attention does; a NaN query spoils only its own row.
        var random = new SeededRandom(9);
        var q = Tensor<float>.Normal(new Shape(1, 4, 2), 0, 1, random);
        var k = Tensor<float>.Normal(new Shape(1, 4, 2), 0, 1, random);
        var v = Tensor<float>.Normal(new Shape(1, 4, 2), 0, 1, random);
        var nanValue = v.ToArray(); nanValue[7] = float.NaN;
        Assert.All(q.CausalAttention(k, Tensor.FromArray(nanValue, 1, 4, 2), 1, 0.5f).ToArray().Where((_, i) => i % 2 == 1), x => Assert.True(float.IsNaN(x)));
        var nanQuery = q.ToArray(); nanQuery[2] = float.NaN;
        var y = Tensor.FromArray(nanQuery, 1, 4, 2).CausalAttention(k, v, 1, 0.5f).ToArray();
        Assert.True(float.IsNaN(y[2]) && float.IsNaN(y[3]));
        Assert.All(y.Where((_, i) => i / 2 != 1), x => Assert.False(float.IsNaN(x)));
    }

    [Fact]
    public void MisshapenOperandsAreRefusedNamingTheirShapes()
    {
        var q = Tensor<float>.Zeros(2, 5, 8);
        var error = Assert.Throws<ArgumentException>(() => q.CausalAttention(Tensor<float>.Zeros(2, 4, 8), q, 2, 1f));
        Assert.Contains("[2, 4, 8]", error.Message);
        Assert.Throws<ArgumentException>(() => q.CausalAttention(q, q, 3, 1f)); // 8 is not 3 heads
        Assert.Throws<ArgumentException>(() => q.CausalAttention(q, Tensor<float>.Zeros(2, 5, 9), 2, 1f));
        Assert.Throws<ArgumentException>(() => q.Reshape(10, 8).CausalAttention(q.Reshape(10, 8), q.Reshape(10, 8), 2, 1f));
        Assert.Contains("[2, 5, 8]", Assert.Throws<ArgumentException>(() => q.CausalAttention(2, 1f)).Message); // 8 is not 3 blocks
    }
}

/// <summary>The fused attention's heads split over the worker pool (see <see cref="ProcessWideSettings"/>).</summary>
[Collection(nameof(ProcessWideSettings))]
public class CausalAttentionThreadTests
{
    [Fact]
    public void HeadsHaveTheSameBitsWhateverTheThreadCount()
    {
        // nanoGPT's size is past the split: its 48 heads run on both cores; one thread gives the same bits, forward and backward.
        var random = new SeededRandom(3);
        var inputs = Enumerable.Range(0, 3).Select(_ => Tensor<float>.Normal(new Shape(12, 64, 128), 0, 1, random)).ToArray();
        var seed = Tensor<float>.Normal(new Shape(12, 64, 128), 0, 1, random);
        float[][] Run()
        {
            var leaves = inputs.Select(x => { var c = x.Clone(); c.RequiresGrad = true; return c; }).ToArray();
            var y = leaves[0].CausalAttention(leaves[1], leaves[2], 4, 0.25f);
            var joint = Tensor<float>.Concat(leaves, 2);
            var z = joint.CausalAttention(4, 0.25f);
            return [y.ToArray(), .. AutoDiff.Grad(y, leaves, seed).Select(g => g.ToArray()), z.ToArray(), .. AutoDiff.Grad(z, leaves, seed).Select(g => g.ToArray())];
        }
        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        float[][] one;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            one = Run();
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
        var all = Run();
        for (int i = 0; i < 8; i++) Assert.Equal(one[i], all[i]);
    }
}
