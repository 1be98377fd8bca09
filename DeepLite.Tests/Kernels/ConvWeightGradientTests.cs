using DeepLite.Autograd;
using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;

namespace DeepLite.Tests.Kernels;

/// <summary>
/// The weight gradient of thin convolutions (stride 1 and few input channels: the AVX-512 outer-product
/// kernel, or the AVX2 row kernel) against a plain loop over every output width 1..20 (each tail of the
/// row kernel's vector loop), filter counts that leave every remainder of the four-filter blocks and of
/// the outer-product kernel's filter vectors (one, two and four vectors a step, several filter blocks),
/// kernels 1..5 and each padding mode, in float and double; and the same numbers for one and two threads.
/// </summary>
[Collection(nameof(ProcessWideSettings))]
public class ConvWeightGradientTests
{
    private static double[] Reference<T>(T[] x, T[] gy, int n, int c, int h, int w, int f, int k, int top, int left, int oh, int ow)
        where T : System.Numerics.INumberBase<T>
    {
        var gw = new double[f * c * k * k];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < f; o++)
                for (int ch = 0; ch < c; ch++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                            for (int y = 0; y < oh; y++)
                                for (int z = 0; z < ow; z++)
                                {
                                    int ih = y + i - top, iw = z + j - left;
                                    if ((uint)ih >= (uint)h || (uint)iw >= (uint)w) continue;
                                    gw[((o * c + ch) * k + i) * k + j] += double.CreateChecked(gy[((s * f + o) * oh + y) * ow + z]) * double.CreateChecked(x[((s * c + ch) * h + ih) * w + iw]);
                                }
        return gw;
    }

    public static IEnumerable<object[]> Cases()
    {
        for (int width = 1; width <= 20; width++) yield return [width, 3, 1 + width % 6, 5 + width % 3, "same"];
        foreach (var k in new[] { 1, 2, 4, 5 }) yield return [11, k, 2, 7, "valid"];
        yield return [13, 3, 3, 4, "symmetric"];
        yield return [9, 5, 1, 9, "same"];
        yield return [10, 3, 3, 40, "same"]; // 3 float vectors of filters: four-vector steps
        yield return [7, 3, 2, 70, "same"];  // two blocks of four vectors, the second mostly padding
        yield return [12, 3, 1, 17, "valid"];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesThePlainLoop(int width, int k, int channels, int filters, string mode)
    {
        int n = 6, h = Math.Max(k, width % 4 + 3); // 6 samples: one full chunk of four and a partial one
        var padding = mode switch { "same" => Padding.Same, "symmetric" => Padding.Symmetric(1), _ => Padding.Valid };
        var random = new SeededRandom(width * 100 + k * 10 + channels);
        var x = Tensor<float>.Uniform(new Shape(n, channels, h, width), -1, 1, random);
        var w = Tensor<float>.Uniform(new Shape(filters, channels, k, k), -1, 1, random);
        w.RequiresGrad = true;
        var b = Tensor<float>.Uniform(new Shape(filters), -1, 1, random);
        b.RequiresGrad = true; // the bias gradient comes from the same pass over dY
        var y = x.Conv2D(w, b, 1, padding);
        var seed = Tensor<float>.Uniform(y.Shape, -1, 1, random);
        var (top, _, left, _) = padding.Resolve(h, width, k, k, 1, 1);

        float[] Gradient()
        {
            w.Grad = null; b.Grad = null;
            x.Conv2D(w, b, 1, padding).Backward(seed);
            return [.. w.Grad!.ToArray(), .. b.Grad!.ToArray()];
        }
        int plane = y.Shape[2] * y.Shape[3];
        var biasExpected = Enumerable.Range(0, filters).Select(f =>
            Enumerable.Range(0, n).Sum(s => seed.ToArray().Skip((s * filters + f) * plane).Take(plane).Sum(v => (double)v))).ToArray();
        double[] expected = [.. Reference(x.ToArray(), seed.ToArray(), n, channels, h, width, filters, k, top, left, y.Shape[2], y.Shape[3]), .. biasExpected];
        var actual = Gradient();
        AssertClose(expected, actual, filters, 1e-4);

        // The AVX2 row kernel, which machines without AVX-512 run.
        var g = ConvShapes.Geometry("test", x.Shape, filters, channels, k, k, 1, 1, padding);
        var gw = new float[filters * channels * k * k]; var gb = new float[filters];
        var plan = ConvPlan.For(g, avx512: false);
        Assert.Equal(ConvAlgorithm.Direct, plan.WeightGradient);
        plan.RunWeightGradient(x.ToArray(), 0, seed.ToArray(), 0, gw, gb);
        AssertClose(expected, [.. gw, .. gb], filters, 1e-4);

        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            Assert.Equal(actual, Gradient()); // same bits on one thread
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
    }

    private static void AssertClose<T>(double[] expected, T[] actual, int filters, double tolerance) where T : System.Numerics.INumberBase<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double a = double.CreateChecked(actual[i]);
            Assert.True(Math.Abs(expected[i] - a) <= tolerance * (1 + Math.Abs(expected[i])), $"{(i < expected.Length - filters ? "dW" : "db")}[{i}]: {a}, expected {expected[i]}");
        }
    }

    /// <summary>
    /// Both kernels in double (8 lanes a zmm vector, so other filter-vector counts than float), called
    /// directly, with and without the bias gradient, against the plain loop.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 9, true)]
    [InlineData(3, 3, 8, true)]
    [InlineData(2, 3, 16, false)]
    [InlineData(3, 3, 17, true)]
    [InlineData(3, 3, 33, true)]
    [InlineData(1, 5, 64, false)]
    [InlineData(2, 2, 65, true)]
    public void DoubleMatchesThePlainLoop(int channels, int k, int filters, bool bias)
    {
        int n = 5, h = 9, width = 11;
        var random = new SeededRandom(channels * 1000 + k * 100 + filters);
        var x = Tensor<double>.Uniform(new Shape(n, channels, h, width), -1, 1, random);
        var g = ConvShapes.Geometry("test", x.Shape, filters, channels, k, k, 1, 1, Padding.Same);
        var seed = Tensor<double>.Uniform(g.OutputShape(), -1, 1, random);
        var expected = Reference(x.ToArray(), seed.ToArray(), n, channels, h, width, filters, k, g.PadTop, g.PadLeft, g.OH, g.OW);
        var biasExpected = Enumerable.Range(0, filters).Select(f =>
            Enumerable.Range(0, n).Sum(s => seed.ToArray().Skip((s * filters + f) * g.OutputPixels).Take(g.OutputPixels).Sum())).ToArray();
        foreach (var avx512 in ConvPlan.InstructionSets)
        {
            var gw = new double[filters * channels * k * k];
            var gb = bias ? new double[filters] : null;
            var plan = ConvPlan.For(g, avx512: avx512);
            Assert.Equal(ConvAlgorithm.Direct, plan.WeightGradient);
            plan.RunWeightGradient(x.ToArray(), 0, seed.ToArray(), 0, gw, gb);
            if (bias) AssertClose([.. expected, .. biasExpected], [.. gw, .. gb!], filters, 1e-12);
            else AssertClose(expected, gw, 0, 1e-12);
        }
    }

    /// <summary>
    /// A first layer's Conv2D + ReLU (its input needs no gradient): with AVX-512 the forward kernel applies the ReLU as it
    /// stores and the weight-gradient kernel masks dY by the output as it reads it; values and the weight and bias
    /// gradients are bit for bit those of Conv2D then Relu, in float and double, also where dY holds NaN (masked away
    /// where the output is 0, kept where it is positive) and for one thread.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void FirstLayerReluMatchesConvThenRelu(int width, int k, int channels, int filters, string mode)
    {
        FirstLayerRelu<float>(width, k, channels, filters, mode);
        FirstLayerRelu<double>(width, k, channels, filters, mode);
    }

    /// <summary>f()'s values and the gradients of <paramref name="w"/> and <paramref name="b"/> for the output gradient <paramref name="dy"/>.</summary>
    private static (T[] Y, T[] Gw, T[] Gb) ValuesAndGradients<T>(Func<Tensor<T>> f, Tensor<T> w, Tensor<T> b, Tensor<T> dy)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        w.Grad = null; b.Grad = null;
        var y = f();
        y.Backward(dy);
        return (y.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray());
    }

    private static void FirstLayerRelu<T>(int width, int k, int channels, int filters, string mode) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = 6, h = Math.Max(k, width % 4 + 3);
        var padding = mode switch { "same" => Padding.Same, "symmetric" => Padding.Symmetric(1), _ => Padding.Valid };
        var random = new SeededRandom(width * 100 + k * 10 + channels + 7);
        var x = Tensor<T>.Uniform(new Shape(n, channels, h, width), -1, 1, random);
        var w = Tensor<T>.Uniform(new Shape(filters, channels, k, k), -1, 1, random);
        var b = Tensor<T>.Uniform(new Shape(filters), -1, 1, random);
        w.RequiresGrad = true; b.RequiresGrad = true;
        var twoOps = x.Conv2D(w, b, 1, padding).Relu();
        var seed = Tensor<T>.Uniform(twoOps.Shape, -1, 1, random).ToArray();
        for (int i = 0; i < seed.Length; i += 37) seed[i] = T.NaN;
        var dy = Tensor<T>.FromArray(seed, twoOps.Shape.ToArray());

        (T[] Y, T[] Gw, T[] Gb) Run(Func<Tensor<T>> f) => ValuesAndGradients(f, w, b, dy);
        var expected = Run(() => x.Conv2D(w, b, 1, padding).Relu());
        var fused = Run(() => Tensor<T>.Conv2DRelu(x, w, b, 1, 1, padding, ConvAlgorithm.Auto));
        Assert.Equal(expected.Y, fused.Y);
        Assert.Equal(expected.Gw, fused.Gw);
        Assert.Equal(expected.Gb, fused.Gb);
        Assert.Contains(expected.Gw, v => T.IsNaN(v)); // the NaN reached the sums through a positive output

        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            var one = Run(() => Tensor<T>.Conv2DRelu(x, w, b, 1, 1, padding, ConvAlgorithm.Auto));
            Assert.Equal(fused.Gw, one.Gw);
            Assert.Equal(fused.Gb, one.Gb);
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
    }

    /// <summary>
    /// A first layer's Conv2D + ReLU + 2x2 max pooling as Sequential runs it (one op where the kernels pool as they
    /// compute): pooled values and the weight and bias gradients are bit for bit those of the three ops, in float and
    /// double, for odd and even planes (a last row or column no window covers), 5..70 filters (every remainder of the
    /// eight-filter forward steps and the 64-filter gradient blocks), ties at zero after the ReLU, NaN in the input and in
    /// the pooled gradient, and for one thread. The op is taken wherever the machine has AVX-512.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void FirstLayerReluMaxPoolMatchesTheThreeOps(int width, int k, int channels, int filters, string mode)
    {
        if (width < 2 || mode == "valid" && width - k + 1 < 2) return; // no 2x2 window
        FirstLayerReluMaxPool<float>(width, k, channels, filters, mode);
        FirstLayerReluMaxPool<double>(width, k, channels, filters, mode);
    }

    private static void FirstLayerReluMaxPool<T>(int width, int k, int channels, int filters, string mode) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = 6, h = Math.Max(k + 1, width % 5 + 3);
        var padding = mode switch { "same" => Padding.Same, "symmetric" => Padding.Symmetric(1), _ => Padding.Valid };
        var random = new SeededRandom(width * 100 + k * 10 + channels + 11);
        var xs = Tensor<T>.Uniform(new Shape(n, channels, h, width), -1, 1, random).ToArray();
        xs[xs.Length / 2] = T.NaN;
        var x = Tensor<T>.FromArray(xs, n, channels, h, width);
        var w = Tensor<T>.Uniform(new Shape(filters, channels, k, k), -1, 1, random);
        var b = Tensor<T>.Uniform(new Shape(filters), -1, 1, random);
        w.RequiresGrad = true; b.RequiresGrad = true;
        var threeOps = x.Conv2D(w, b, 1, padding).Relu().MaxPool2D(2);
        var seed = Tensor<T>.Uniform(threeOps.Shape, -1, 1, random).ToArray();
        for (int i = 0; i < seed.Length; i += 29) seed[i] = T.NaN;
        var dy = Tensor<T>.FromArray(seed, threeOps.Shape.ToArray());

        (T[] Y, T[] Gw, T[] Gb) Run(Func<Tensor<T>> f) => ValuesAndGradients(f, w, b, dy);
        Tensor<T> Fused()
        {
            var y = Tensor<T>.Conv2DReluMaxPool(x, w, b, 1, 1, padding, ConvAlgorithm.Auto);
            // Taken for a thin input (the direct kernels' up to 4 channels) wherever the machine has AVX-512.
            Assert.True(y is not null || !System.Runtime.Intrinsics.X86.Avx512F.IsSupported || channels > 4, "the fused op was not taken");
            return y ?? x.Conv2D(w, b, 1, padding).Relu().MaxPool2D(2);
        }
        var expected = Run(() => x.Conv2D(w, b, 1, padding).Relu().MaxPool2D(2));
        var fused = Run(Fused);
        Assert.Equal(expected.Y, fused.Y);
        Assert.Equal(expected.Gw, fused.Gw);
        Assert.Equal(expected.Gb, fused.Gb);
        Assert.Contains(expected.Y, v => v == T.Zero); // windows tied at zero
        Assert.Contains(expected.Gw, v => T.IsNaN(v)); // a NaN reached the sums through a positive pooled value

        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            var one = Run(Fused);
            Assert.Equal(fused.Y, one.Y);
            Assert.Equal(fused.Gw, one.Gw);
            Assert.Equal(fused.Gb, one.Gb);
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
    }
}
