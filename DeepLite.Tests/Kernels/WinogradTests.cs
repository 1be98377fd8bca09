using DeepLite.Kernels.Convolution;
using DeepLite.Tensors;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Kernels;

/// <summary>
/// Winograd F(2x2, 3x3) and F(4x4, 3x3) against the seven-loop reference: every input size 3..13 (sizes
/// that are not multiples of the tile leave partial tiles to crop) with each padding mode, in double and
/// float, with 11 samples (F(4x4) transforms a vector of samples at a time: 8 + 3 floats, 4 + 4 + 3 doubles);
/// and the input and weight gradients of wide layers (C and F of 16 or more) against loops.
/// </summary>
public class WinogradTests
{
    public static IEnumerable<object[]> Sizes()
    {
        string[] modes = ["valid", "same", "symmetric1", "symmetric2", "explicit"];
        foreach (var algorithm in new[] { ConvAlgorithm.Winograd4x4 })
            for (int size = 3; size <= 13; size++)
                yield return [algorithm, size, 16 - size, modes[size % modes.Length]];
    }

    private static Padding Mode(string mode) => mode switch
    {
        "valid" => Padding.Valid,
        "same" => Padding.Same,
        "symmetric1" => Padding.Symmetric(1),
        "symmetric2" => Padding.Symmetric(2),
        _ => Padding.Explicit(2, 0, 1, 2),
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ForwardMatchesTheNaiveLoop(ConvAlgorithm algorithm, int height, int width, string mode)
    {
        var r = new SeededRandom(height * 17 + width);
        var x = Tensor<double>.Uniform(new Shape(11, 5, height, width), -1, 1, r);
        var w = Tensor<double>.Uniform(new Shape(6, 5, 3, 3), -1, 1, r);
        var b = Tensor<double>.Uniform(new Shape(6), -1, 1, r);
        var expected = Autograd.ConvolutionGradientProperties.NaiveConvolution(x, w, b, 1, Mode(mode));
        var got = x.Conv2D(w, b, 1, Mode(mode), algorithm: algorithm);
        Compare($"{algorithm} {height}x{width} {mode} double", got.ToArray(), expected.ToArray(), 1e-12);

        Tensor<float> F(Tensor<double> t) => Tensor<float>.FromArray(t.ToArray().Select(v => (float)v).ToArray(), t.Shape.ToArray());
        var gotF = (F(x)).Conv2D(F(w), F(b), 1, Mode(mode), algorithm: algorithm);
        Compare($"{algorithm} {height}x{width} {mode} float", gotF.ToArray().Select(v => (double)v).ToArray(), expected.ToArray(), 1e-4);
    }

    /// <summary>F(4x4) runs a batch in passes of 32 samples: 45 samples (a pass, then 13: a vector group and 5) against the loop.</summary>
    [Fact]
    public void ForwardRunsTheBatchInPasses()
    {
        var (_, x, w, g, _) = WideCase(6, 7, "same", false, 45, 45);
        var b = Tensor<double>.Uniform(new Shape(g.F), -1, 1, new SeededRandom(3));
        var expected = Autograd.ConvolutionGradientProperties.NaiveConvolution(x, w, b, 1, Padding.Same).ToArray();
        Compare("F(4x4) forward, 45 samples", x.Conv2D(w, b, 1, Padding.Same, algorithm: ConvAlgorithm.Winograd4x4).ToArray(), expected, 1e-12);
    }

    /// <summary>
    /// A wide layer's operands: 16 channels in, 17 out; 11 samples (vector groups and a remainder), 8 for the
    /// autograd cases (enough tiles for Auto to pick Winograd), or <paramref name="samples"/> (45: a pass of
    /// 32 samples, then 13).
    /// </summary>
    private static (int N, Tensor<double> X, Tensor<double> W, ConvGeometry G, Tensor<double> Gy) WideCase(int height, int width, string mode, bool throughAutograd, int seed, int samples)
    {
        int n = samples > 0 ? samples : throughAutograd ? 8 : 11, c = 16, f = 17;
        var r = new SeededRandom(seed);
        var x = Tensor<double>.Uniform(new Shape(n, c, height, width), -1, 1, r);
        var w = Tensor<double>.Uniform(new Shape(f, c, 3, 3), -1, 1, r);
        var g = ConvShapes.Geometry("test", x.Shape, f, c, 3, 3, 1, 1, Mode(mode));
        if (throughAutograd) Assert.Equal(ConvAlgorithm.Winograd4x4, ConvPlan.For(g).Forward);
        return (n, x, w, g, Tensor<double>.Uniform(new Shape(n, f, g.OH, g.OW), -1, 1, r));
    }

    [Theory]
    [InlineData(8, 8, "same", false)]
    [InlineData(7, 9, "same", false)]
    [InlineData(6, 5, "valid", false)]
    [InlineData(5, 6, "explicit", false)]
    [InlineData(4, 4, "symmetric2", false)]
    [InlineData(24, 23, "same", true)] // 8 samples, 8 x 12 x 12 2x2 tiles: Auto picks Winograd for the backward pass itself
    [InlineData(5, 6, "explicit", false, 45)]
    [InlineData(6, 6, "same", true, 45)]
    public void WideLayerInputGradientMatchesTheAdjoint(int height, int width, string mode, bool throughAutograd, int samples = 0)
    {
        var (_, x, w, g, gy) = WideCase(height, width, mode, throughAutograd, height * 31 + width, samples);
        double[] actual;
        if (throughAutograd)
        {
            x.RequiresGrad = true;
            x.Conv2D(w, null, 1, Mode(mode)).Backward(gy);
            actual = x.Grad!.ToArray();
        }
        else
        {
            var gx = new double[x.Size];
            Winograd4x4.InputGradient(gy.ToArray(), 0, w.ToArray(), g, gx);
            actual = gx;
        }

        Compare($"dX {height}x{width} {mode}", actual, PlainInputGradient(gy, w, g), 1e-12);
    }

    [Theory]
    [InlineData(8, 8, "same", false)]
    [InlineData(7, 9, "same", false)]
    [InlineData(6, 5, "valid", false)]
    [InlineData(5, 6, "explicit", false)]
    [InlineData(4, 4, "symmetric2", false)]
    [InlineData(3, 3, "valid", false)]
    [InlineData(24, 23, "same", true)] // 8 samples: Auto picks Winograd for the backward pass itself
    [InlineData(5, 6, "explicit", false, 45)]
    [InlineData(6, 6, "same", true, 45)]
    public void WideLayerWeightGradientMatchesThePlainLoop(int height, int width, string mode, bool throughAutograd, int samples = 0)
    {
        var (n, x, w, g, gy) = WideCase(height, width, mode, throughAutograd, height * 7 + width, samples);
        int c = g.C, f = g.F;
        double[] actual;
        if (throughAutograd)
        {
            w.RequiresGrad = true;
            x.Conv2D(w, null, 1, Mode(mode)).Backward(gy);
            actual = w.Grad!.ToArray();
        }
        else
        {
            actual = new double[w.Size];
            Winograd4x4.WeightGradient(x.ToArray(), 0, gy.ToArray(), 0, g, actual);
        }

        Compare($"dW {height}x{width} {mode}", actual, PlainWeightGradient(x, gy, g), 1e-12);
    }

    /// <summary>The float weight gradient: the transforms take eight samples per step, then the last three one by one.</summary>
    [Theory]
    [InlineData(8, 8, "same")]    // 2 x 2 tiles per plane
    [InlineData(16, 16, "same")]  // 4 x 4
    [InlineData(12, 16, "same")]  // 3 x 4
    [InlineData(10, 10, "valid")] // 2 x 2 tiles of an 8 x 8 output
    [InlineData(9, 9, "same")]    // partial tiles to crop
    public void FloatWeightGradientMatchesThePlainLoop(int height, int width, string mode)
    {
        var (_, x, w, g, gy) = WideCase(height, width, mode, false, height * 13 + width, 0);
        float[] xf = F(x), gyf = F(gy);
        var actual = new float[w.Size];
        Winograd4x4.WeightGradient(xf, 0, gyf, 0, g, actual);
        // The reference sees the float-rounded inputs.
        var expected = PlainWeightGradient(Tensor.FromArray(D(xf), x.Shape.ToArray()), Tensor.FromArray(D(gyf), gy.Shape.ToArray()), g);
        AssertFloatClose($"float dW {height}x{width} {mode}", D(actual), expected, 1e-3);
    }

    /// <summary>
    /// dW's assembly goes a vector of (f, c) pairs at a time in P's memory order, the last pairs one by one:
    /// channel counts whose product leaves every kind of remainder, in both GEMM orientations, float and double.
    /// </summary>
    [Theory]
    [InlineData(17, 17)] // 289 pairs: one left over
    [InlineData(16, 21)] // 336: none; F fills the column tiles better, so P is [c][f]
    [InlineData(21, 19)] // 399: seven (float), three (double)
    [InlineData(19, 23)] // [c][f] with a last block of 3 channels and 7 (float) or 3 (double) filters left over
    public void WeightGradientAssemblyCoversEveryPair(int c, int f)
    {
        var r = new SeededRandom(c * 100 + f);
        var x = Tensor<double>.Uniform(new Shape(9, c, 5, 6), -1, 1, r);
        var g = ConvShapes.Geometry("test", x.Shape, f, c, 3, 3, 1, 1, Padding.Same);
        var gy = Tensor<double>.Uniform(g.OutputShape(), -1, 1, r);
        var expected = PlainWeightGradient(x, gy, g);
        var actual = new double[expected.Length];
        Winograd4x4.WeightGradient(x.ToArray(), 0, gy.ToArray(), 0, g, actual);
        Compare($"dW {c}->{f} double", actual, expected, 1e-12);
        var actualF = new float[expected.Length];
        Winograd4x4.WeightGradient(F(x), 0, F(gy), 0, g, actualF);
        Compare($"dW {c}->{f} float", D(actualF), expected, 1e-3);
    }

    /// <summary>
    /// A batch of one pass with at most 48 tiles runs by filter blocks (U and P made 8 filters at a time by the AVX-512
    /// micro-kernel, 6 by the AVX2 one; both where the machine has both): forward, input and weight gradients against the
    /// loops, in double (4 or 8 lanes, column panels of 24 or 8) and float, with a last block of fewer filters than the
    /// kernel's rows and channel counts that leave a remainder.
    /// </summary>
    [Theory]
    [InlineData(4, 4, 11, 16, 17, "same")]  // one tile per sample; 17 filters: blocks of 8, 8 and 1 (6, 6 and 5)
    [InlineData(3, 3, 32, 19, 9, "same")]   // HW1's 3x3 layers at batch 32: 32 tiles; 19 channels (16 by transposes, 3 left)
    [InlineData(8, 8, 12, 21, 16, "same")]  // four tiles per sample: 48, the most
    [InlineData(6, 5, 5, 24, 20, "valid")]  // a 4x3 output: one cropped tile
    public void FilterBlocksMatchTheLoops(int height, int width, int n, int c, int f, string mode)
    {
        var (x, w, b, g, gy) = Operands(height, width, n, c, f, mode, seed: height * 1000 + n * 10 + c);
        if (!Winograd4x4.UsesFilterBlocks<double>(n, (g.OH + 3) / 4 * ((g.OW + 3) / 4)))
        {
            Assert.False(System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported,
                "the filter blocks run wherever AVX-512 or AVX2 does");
            return;
        }
        Assert.True(Winograd4x4.UsesFilterBlocks<float>(n, (g.OH + 3) / 4 * ((g.OW + 3) / 4)));
        Assert.True(Winograd4x4.UsesFilterBlocks<double>(n, (height + 3) / 4 * ((width + 3) / 4)), "the input gradient's tiles");
        var expectedY = Autograd.ConvolutionGradientProperties.NaiveConvolution(x, w, b, 1, Mode(mode)).ToArray();
        var expectedGx = PlainInputGradient(gy, w, g);
        var expectedGw = PlainWeightGradient(x, gy, g);

        foreach (bool onAvx2 in System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? new[] { false, true } : new[] { true })
        {
            Winograd4x4.FilterBlocksOnAvx2 = onAvx2;
            try
            {
                string kernel = onAvx2 ? "AVX2" : "AVX-512";
                double[] y = new double[n * f * g.OutputPixels], gx = new double[x.Size], gw = new double[w.Size];
                Winograd4x4.Forward(x.ToArray(), 0, w.ToArray(), b.ToArray(), g, y, relu: false);
                Winograd4x4.InputGradient(gy.ToArray(), 0, w.ToArray(), g, gx);
                Winograd4x4.WeightGradient(x.ToArray(), 0, gy.ToArray(), 0, g, gw);
                Compare($"y, double, {kernel}", y, expectedY, 1e-12);
                Compare($"dX, double, {kernel}", gx, expectedGx, 1e-12);
                Compare($"dW, double, {kernel}", gw, expectedGw, 1e-12);

                float[] yf = new float[y.Length], gxf = new float[gx.Length], gwf = new float[gw.Length];
                Winograd4x4.Forward(F(x), 0, F(w), F(b), g, yf, relu: true);
                Winograd4x4.InputGradient(F(gy), 0, F(w), g, gxf);
                Winograd4x4.WeightGradient(F(x), 0, F(gy), 0, g, gwf);
                Compare($"relu(y), float, {kernel}", D(yf), expectedY.Select(v => Math.Max(0, v)).ToArray(), 1e-4);
                Compare($"dX, float, {kernel}", D(gxf), expectedGx, 1e-4);
                Compare($"dW, float, {kernel}", D(gwf), expectedGw, 1e-3);
            }
            finally { Winograd4x4.FilterBlocksOnAvx2 = false; }
        }
    }

    /// <summary>
    /// Outputs in whole row tiles of 8 (HW1's every layer) multiply by direct micro-kernel calls with V read in place
    /// (its rows padded): the forward and the input gradient (whose outputs are the layer's inputs) against the loops,
    /// double (column panels of 24) and float, one pass and several, whole and cropped tiles; and the float weight
    /// gradient, whose products read dY's tiles written transposed (a last group of fewer than 8 samples: 11 and 13).
    /// </summary>
    [Theory]
    [InlineData(16, 16, 11, 16, 24, "same")]  // 176 tiles: ranges of 8 samples and of 3 (128 and 48 tiles), panels of 48 floats or 24 doubles
    [InlineData(9, 9, 45, 8, 16, "same")]     // passes of 32 and 13 samples, 3 x 3 tiles each, the last ones cropped
    [InlineData(10, 7, 13, 24, 8, "valid")]   // an 8 x 5 output; input gradient with 24 outputs
    [InlineData(16, 16, 8, 8, 176, "same")]   // 176 filters: their M takes more than one block of filters per range of tiles
    public void ProductsInPlaceMatchTheLoops(int height, int width, int n, int c, int f, string mode)
    {
        var (x, w, b, g, gy) = Operands(height, width, n, c, f, mode, seed: height * 100 + n + c);
        Assert.False(Winograd4x4.UsesFilterBlocks<double>(n, (g.OH + 3) / 4 * ((g.OW + 3) / 4)));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Winograd4x4.MultipliesInPlace<double>(f) && Winograd4x4.MultipliesInPlace<float>(c));

        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, Winograd4x4.MultipliesGradientInPlace<float>(g));
        Assert.False(Winograd4x4.MultipliesGradientInPlace<double>(g)); // the transposed dY tiles are float transposes

        double[] y = new double[n * f * g.OutputPixels], gx = new double[x.Size];
        Winograd4x4.Forward(x.ToArray(), 0, w.ToArray(), b.ToArray(), g, y, relu: false);
        Winograd4x4.InputGradient(gy.ToArray(), 0, w.ToArray(), g, gx);
        var expectedY = Autograd.ConvolutionGradientProperties.NaiveConvolution(x, w, b, 1, Mode(mode)).ToArray();
        var expectedGx = PlainInputGradient(gy, w, g);
        Compare("y, double", y, expectedY, 1e-12);
        Compare("dX, double", gx, expectedGx, 1e-12);

        float[] yf = new float[y.Length], gxf = new float[gx.Length], gwf = new float[w.Size];
        Winograd4x4.Forward(F(x), 0, F(w), F(b), g, yf, relu: false);
        Winograd4x4.InputGradient(F(gy), 0, F(w), g, gxf);
        Winograd4x4.WeightGradient(F(x), 0, F(gy), 0, g, gwf);
        // Sums of up to 176 x 9 float products: elements looser than the float dW test's 1e-3.
        AssertFloatClose("y, float", D(yf), expectedY, 2e-3);
        AssertFloatClose("dX, float", D(gxf), expectedGx, 2e-3);
        // The reference sees the float-rounded inputs.
        AssertFloatClose("dW, float", D(gwf), PlainWeightGradient(Tensor.FromArray(D(F(x)), x.Shape.ToArray()), Tensor.FromArray(D(F(gy)), gy.Shape.ToArray()), g), 2e-3);
    }

    /// <summary>
    /// Float results against a double reference: F(4x4)'s transforms scale values by up to 8 before the sums, so a small
    /// element carries the rounding of the large ones; each element is bounded loosely (<paramref name="elementTolerance"/>)
    /// and the whole tightly (norm-relative error under 2e-5).
    /// </summary>
    private static void AssertFloatClose(string what, double[] actual, double[] expected, double elementTolerance)
    {
        Compare(what, actual, expected, elementTolerance);
        double error = Math.Sqrt(actual.Zip(expected, (a, e) => (a - e) * (a - e)).Sum() / expected.Sum(e => e * e));
        Assert.True(error < 2e-5, $"{what}: norm-relative error {error:E2}");
    }

    /// <summary>Uniform x, 3x3 weights, bias and dY of a layer, drawn in that order from <paramref name="seed"/>.</summary>
    private static (Tensor<double> X, Tensor<double> W, Tensor<double> B, ConvGeometry G, Tensor<double> Gy) Operands(int height, int width, int n, int c, int f, string mode, int seed)
    {
        var r = new SeededRandom(seed);
        var x = Tensor<double>.Uniform(new Shape(n, c, height, width), -1, 1, r);
        var w = Tensor<double>.Uniform(new Shape(f, c, 3, 3), -1, 1, r);
        var b = Tensor<double>.Uniform(new Shape(f), -1, 1, r);
        var g = ConvShapes.Geometry("test", x.Shape, f, c, 3, 3, 1, 1, Mode(mode));
        return (x, w, b, g, Tensor<double>.Uniform(g.OutputShape(), -1, 1, r));
    }

    private static float[] F(Tensor<double> t) => t.ToArray().Select(v => (float)v).ToArray();

    private static double[] D(float[] v) => v.Select(e => (double)e).ToArray();

    /// <summary>A batch in several passes, or of more than 48 tiles, keeps the whole-matrix path.</summary>
    [Fact]
    public void FilterBlocksAreForOnePassOfFewTiles()
    {
        Assert.False(Winograd4x4.UsesFilterBlocks<float>(33, 1));
        Assert.False(Winograd4x4.UsesFilterBlocks<float>(13, 4));
        Assert.Equal(System.Runtime.Intrinsics.X86.Avx512F.IsSupported || (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported),
            Winograd4x4.UsesFilterBlocks<float>(32, 1));
    }

    private static double[] PlainInputGradient(Tensor<double> gy, Tensor<double> w, ConvGeometry g)
    {
        var expected = new double[g.N * g.C * g.H * g.W];
        for (int s = 0; s < g.N; s++)
            for (int o = 0; o < g.F; o++)
                for (int i = 0; i < g.OH; i++)
                    for (int j = 0; j < g.OW; j++)
                        for (int ch = 0; ch < g.C; ch++)
                            for (int a = 0; a < 3; a++)
                                for (int bb = 0; bb < 3; bb++)
                                {
                                    int ih = i + a - g.PadTop, iw = j + bb - g.PadLeft;
                                    if ((uint)ih >= (uint)g.H || (uint)iw >= (uint)g.W) continue;
                                    expected[((s * g.C + ch) * g.H + ih) * g.W + iw] += gy[s, o, i, j] * w[o, ch, a, bb];
                                }
        return expected;
    }

    private static double[] PlainWeightGradient(Tensor<double> x, Tensor<double> gy, ConvGeometry g)
    {
        var expected = new double[g.F * g.C * 9];
        for (int s = 0; s < g.N; s++)
            for (int o = 0; o < g.F; o++)
                for (int ch = 0; ch < g.C; ch++)
                    for (int a = 0; a < 3; a++)
                        for (int bb = 0; bb < 3; bb++)
                            for (int i = 0; i < g.OH; i++)
                                for (int j = 0; j < g.OW; j++)
                                {
                                    int ih = i + a - g.PadTop, iw = j + bb - g.PadLeft;
                                    if ((uint)ih >= (uint)g.H || (uint)iw >= (uint)g.W) continue;
                                    expected[((o * g.C + ch) * 3 + a) * 3 + bb] += gy[s, o, i, j] * x[s, ch, ih, iw];
                                }
        return expected;
    }
}
