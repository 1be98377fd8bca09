using DeepLite.Kernels.Convolution;
using DeepLite.Layers;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Autograd;

public sealed record GeneralConvCase(int N, int Groups, int CPerGroup, int FPerGroup, int H, int W, Size2D Kernel, Size2D Stride, Size2D Dilation,
    Padding Padding, bool Bias, int Seed)
{
    public int C => Groups * CPerGroup;
    public int F => Groups * FPerGroup;
    public override string ToString() =>
        $"x[{N},{C},{H},{W}] w[{F},{CPerGroup},{Kernel.Height},{Kernel.Width}] stride {Stride} dilation {Dilation} groups {Groups} padding {Padding} bias {Bias} seed {Seed}";
}

/// <summary>
/// Conv2D beyond square kernels: rectangular kernels and strides, dilation and groups against a naive loop written from
/// PyTorch's definition, with gradients and Hessian-vector products in float64; Narrow and Concat (what groups are built
/// of); max pooling's rectangular windows and ceil mode.
/// </summary>
public class GeneralConvolutionProperties
{
    private static Arbitrary<GeneralConvCase> Cases() =>
        (from n in Gen.Choose(1, 2)
         from groups in Gen.Choose(1, 3)
         from cg in Gen.Choose(1, 2)
         from fg in Gen.Choose(1, 2)
         from kh in Gen.Choose(1, 3)
         from kw in Gen.Choose(1, 3)
         from sh in Gen.Choose(1, 2)
         from sw in Gen.Choose(1, 2)
         from dh in Gen.Choose(1, 3)
         from dw in Gen.Choose(1, 3)
         from h in Gen.Choose(1, 8)
         from w in Gen.Choose(1, 8)
         from mode in Gen.Choose(0, 2)
         from bias in Gen.Elements(true, false)
         from seed in Generators.Seeds
         let eh = (kh - 1) * dh + 1
         let ew = (kw - 1) * dw + 1
         let padding = mode switch { 0 => Padding.Valid, 1 => Padding.Same, _ => Padding.Explicit(1, 0, 0, 1) }
         select new GeneralConvCase(n, groups, cg, fg, Math.Max(h, eh), Math.Max(w, ew), (kh, kw), (sh, sw), (dh, dw), padding, bias, seed)).ToArbitrary();

    private static (Tensor<double> X, Tensor<double> W, Tensor<double> B) Make(GeneralConvCase t)
    {
        var r = new SeededRandom(t.Seed);
        return (Tensor<double>.Uniform(new Shape(t.N, t.C, t.H, t.W), -1, 1, r),
                Tensor<double>.Uniform(new Shape(t.F, t.CPerGroup, t.Kernel.Height, t.Kernel.Width), -1, 1, r),
                Tensor<double>.Uniform(new Shape(t.F), -1, 1, r));
    }

    /// <summary>PyTorch's definition: y[n, f, i, j] = b[f] + Σ x[n, g·C/G + c, i·sh + ki·dh - pt, j·sw + kj·dw - pl] w[f, c, ki, kj], g = f / (F/G).</summary>
    private static double[] Naive(GeneralConvCase t, Tensor<double> x, Tensor<double> w, Tensor<double>? b, out Shape shape)
    {
        int kh = t.Kernel.Height, kw = t.Kernel.Width, eh = (kh - 1) * t.Dilation.Height + 1, ew = (kw - 1) * t.Dilation.Width + 1;
        var (pt, pb, pl, pr) = t.Padding.Resolve(t.H, t.W, eh, ew, t.Stride.Height, t.Stride.Width);
        int oh = (t.H + pt + pb - eh) / t.Stride.Height + 1, ow = (t.W + pl + pr - ew) / t.Stride.Width + 1;
        shape = new Shape(t.N, t.F, oh, ow);
        var y = new double[shape.Size];
        for (int s = 0; s < t.N; s++)
            for (int f = 0; f < t.F; f++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = b?[f] ?? 0;
                        int group = f / t.FPerGroup;
                        for (int c = 0; c < t.CPerGroup; c++)
                            for (int ki = 0; ki < kh; ki++)
                                for (int kj = 0; kj < kw; kj++)
                                {
                                    int ih = i * t.Stride.Height + ki * t.Dilation.Height - pt, iw = j * t.Stride.Width + kj * t.Dilation.Width - pl;
                                    if (ih >= 0 && ih < t.H && iw >= 0 && iw < t.W) sum += x[s, group * t.CPerGroup + c, ih, iw] * w[f, c, ki, kj];
                                }
                        y[((s * t.F + f) * oh + i) * ow + j] = sum;
                    }
        return y;
    }

    private static Tensor<double> Conv(GeneralConvCase t, Tensor<double>[] xs) =>
        xs[0].Conv2D(xs[1], t.Bias ? xs[2] : null, t.Stride, t.Padding, t.Dilation, t.Groups);

    [Property(MaxTest = 150)]
    public Property MatchesTheDefinitionInFloatAndDouble() => Prop.ForAll(Cases(), t =>
    {
        var (x, w, b) = Make(t);
        var expected = Naive(t, x, w, t.Bias ? b : null, out var shape);
        var got = Conv(t, [x, w, b]);
        Assert.Equal(shape, got.Shape);
        Compare("double", got.ToArray(), expected, 1e-12);
        static Tensor<float> F(Tensor<double> v) => Tensor<float>.FromArray(v.ToArray().Select(e => (float)e).ToArray(), v.Shape.ToArray());
        var gotF = F(x).Conv2D(F(w), t.Bias ? F(b) : null, t.Stride, t.Padding, t.Dilation, t.Groups);
        Compare("float", gotF.ToArray().Select(v => (double)v).ToArray(), expected, 1e-5);
    });

    [Property(MaxTest = 80)]
    [Trait("Category", "Slow")]
    public Property Gradients() => Prop.ForAll(Cases(), t =>
    {
        var (x, w, b) = Make(t);
        AssertGradients(xs => Conv(t, xs), [x, w, b], t.Seed);
        AssertHessianVectorProducts(xs => Conv(t, xs), [x, w, b], t.Seed);
    });

    [Fact]
    public void DilationTakesOnlyTheIm2ColKernelsAndMisuseIsRefused()
    {
        var x = Tensor<float>.Zeros(8, 16, 12, 12);
        var w = Tensor<float>.Zeros(16, 16, 3, 3);
        var g = ConvShapes.Geometry("test", x.Shape, 16, 16, 3, 3, 1, 1, Padding.Same, 2, 2);
        var plan = ConvPlan.For(g);
        Assert.Equal([ConvAlgorithm.Im2ColGemm, ConvAlgorithm.Im2ColGemm, ConvAlgorithm.Im2ColGemm], new[] { plan.Forward, plan.InputGradient, plan.WeightGradient });
        Assert.Throws<NotSupportedException>(() => x.Conv2D(w, dilation: 2, algorithm: ConvAlgorithm.Winograd4x4));
        Assert.Throws<NotSupportedException>(() => x.Conv2D(w, dilation: 2, algorithm: ConvAlgorithm.Direct));
        // Groups must divide the channels and the filters, and the weight has C / groups channels.
        var e = Assert.Throws<ArgumentException>(() => x.Conv2D(Tensor<float>.Zeros(16, 16, 3, 3), groups: 3));
        Assert.Contains("groups", e.Message);
        Assert.Throws<ArgumentException>(() => x.Conv2D(Tensor<float>.Zeros(16, 16, 3, 3), groups: 2));
        Assert.Throws<ArgumentException>(() => x.Conv2D(w, dilation: (0, 1)));
        // A dilated window that does not fit names the dilation.
        var small = Tensor<float>.Zeros(1, 16, 4, 4);
        Assert.Contains("dilated 2x2", Assert.Throws<ArgumentException>(() => small.Conv2D(w, dilation: 2)).Message);
    }

    [Fact]
    public void TheLayerTakesPyTorchsArgumentsAndCountsItsParametersAsPyTorch()
    {
        // nn.Conv2d(8, 16, (3, 5), stride=(1, 2), dilation=2, groups=4): weight [16, 2, 3, 5], 480 + 16 parameters.
        var layer = new Conv2D<float>(8, 16, (3, 5), new SeededRandom(1), stride: (1, 2), dilation: 2, groups: 4);
        Assert.Equal(new Shape(16, 2, 3, 5), layer.Weight.Shape);
        Assert.Equal(496, layer.Parameters().Sum(p => p.Size));
        var y = layer.Forward(Tensor<float>.Zeros(2, 8, 9, 13));
        // H: 9 - 2·2 = 5; W: (13 - 4·2 - 1) / 2 + 1 = 3.
        Assert.Equal(new Shape(2, 16, 5, 3), y.Shape);
        // Initial weights within PyTorch's bound 1/sqrt(fan_in), fan_in = 2·3·5.
        var pyTorch = new Conv2D<double>(8, 16, (3, 5), new SeededRandom(1), Initializer.PyTorchDefault, groups: 4);
        Assert.All(pyTorch.Weight.ToArray(), v => Assert.InRange(Math.Abs(v), 0, 1 / Math.Sqrt(30)));
        // In a Sequential, a grouped Conv2D followed by ReLU runs the two ops (the fused kernel has no groups).
        var model = new Sequential<double>(pyTorch, new Relu<double>());
        var x = Tensor<double>.Uniform(new Shape(1, 8, 5, 5), -1, 1, new SeededRandom(2));
        Assert.Equal(pyTorch.Forward(x).Relu().ToArray(), model.Forward(x).ToArray());
    }

    [Property(MaxTest = 100)]
    public Property NarrowAndConcatGradients() => Prop.ForAll(
        (from c in Generators.Tensors(1, 4).Generator
         from axisPick in Gen.Choose(0, 3)
         from a in Gen.Choose(0, 100)
         from l in Gen.Choose(0, 100)
         select (c, axisPick, a, l)).ToArbitrary(),
        t =>
        {
            var x = Tensor<double>.Uniform(new Shape(t.c.Dims), -1, 1, new SeededRandom(t.c.Seed));
            int axis = t.axisPick % x.Rank, size = x.Shape[axis], start = t.a % (size + 1), length = t.l % (size - start + 1);
            AssertGradients(xs => xs[0].Narrow(axis, start, length), [x], t.c.Seed);
            AssertHessianVectorProducts(xs => xs[0].Narrow(axis, start, length).Square(), [x], t.c.Seed);
            // The two pieces of a split, joined again, are the tensor.
            var parts = new[] { x.Narrow(axis, 0, start), x.Narrow(axis, start, size - start) };
            Assert.Equal(x.ToArray(), Tensor<double>.Concat(parts, axis).ToArray());
            var other = Tensor<double>.Uniform(x.Shape, -1, 1, new SeededRandom(t.c.Seed + 1));
            AssertGradients(xs => Tensor<double>.Concat([xs[0], xs[1].Narrow(axis, start, length), xs[0]], axis), [x, other], t.c.Seed);
            AssertHessianVectorProducts(xs => Tensor<double>.Concat([xs[0], xs[1]], axis).Square(), [x, other], t.c.Seed);
        });

    [Fact]
    public void NarrowAndConcatRefuseMisuse()
    {
        var x = Tensor<double>.Zeros(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Narrow(1, 2, 2));
        Assert.Contains("differ", Assert.Throws<ArgumentException>(() => Tensor<double>.Concat([x, Tensor<double>.Zeros(3, 3)], 1)).Message);
        Assert.Throws<ArgumentException>(() => Tensor<double>.Concat([], 0));
        Assert.Equal(new Shape(5, 3), Tensor<double>.Concat([x, Tensor<double>.Zeros(3, 3)], 0).Shape);
    }

    [Property(MaxTest = 100)]
    public Property RectangularAndCeilModeMaxPoolGradients() => Prop.ForAll(
        (from c in Generators.Tensors(4, 4).Generator
         from kh in Gen.Choose(1, 3)
         from kw in Gen.Choose(1, 3)
         from sh in Gen.Choose(1, 3)
         from sw in Gen.Choose(1, 3)
         from ceil in Gen.Elements(true, false)
         select (c, kh, kw, sh, sw, ceil)).ToArbitrary(),
        t =>
        {
            var dims = t.c.Dims.Select((d, i) => i == 2 ? Math.Max(d, t.kh) : i == 3 ? Math.Max(d, t.kw) : d).ToArray();
            var x = Tensor<double>.Zeros(dims);
            var perm = new SeededRandom(t.c.Seed).Permutation(x.Size);
            var s = x.Span;
            for (int i = 0; i < s.Length; i++) s[i] = (perm[i] + 1.0) / s.Length;
            var y = x.MaxPool2D((t.kh, t.kw), (t.sh, t.sw), ceilMode: t.ceil);
            // PyTorch's output size: floor or ceil of (H - k) / s, plus one, the last window starting inside the input.
            static int Size(int h, int k, int s, bool ceil)
            {
                int o = (ceil ? (h - k + s - 1) / s : (h - k) / s) + 1;
                return ceil && (o - 1) * s >= h ? o - 1 : o;
            }
            Assert.Equal(new Shape(dims[0], dims[1], Size(dims[2], t.kh, t.sh, t.ceil), Size(dims[3], t.kw, t.sw, t.ceil)), y.Shape);
            // Each output the largest of its window clipped to the input.
            for (int i = 0; i < y.Shape[2]; i++)
                for (int j = 0; j < y.Shape[3]; j++)
                {
                    double best = double.NegativeInfinity;
                    for (int a = i * t.sh; a < Math.Min(i * t.sh + t.kh, dims[2]); a++)
                        for (int b = j * t.sw; b < Math.Min(j * t.sw + t.kw, dims[3]); b++) best = Math.Max(best, x[0, 0, a, b]);
                    Assert.Equal(best, y[0, 0, i, j]);
                }
            AssertGradients(xs => xs[0].MaxPool2D((t.kh, t.kw), (t.sh, t.sw), ceilMode: t.ceil), [x], t.c.Seed);
        });

    [Fact]
    public void CeilModeMatchesPyTorchsSizes()
    {
        // torch.nn.functional.max_pool2d(torch.zeros(1, 1, 5, 5), 2, ceil_mode=True).shape == [1, 1, 3, 3];
        // (4x4, kernel 3, stride 2) gives 2x2; with padding 1 on 4x4, kernel 2, stride 2: 3x3 (the last window would start in the padding).
        Assert.Equal(new Shape(1, 1, 3, 3), Tensor<double>.Zeros(1, 1, 5, 5).MaxPool2D(2, ceilMode: true).Shape);
        Assert.Equal(new Shape(1, 1, 2, 2), Tensor<double>.Zeros(1, 1, 5, 5).MaxPool2D(2).Shape);
        Assert.Equal(new Shape(1, 1, 2, 2), Tensor<double>.Zeros(1, 1, 4, 4).MaxPool2D(3, 2, ceilMode: true).Shape);
        Assert.Equal(new Shape(1, 1, 3, 3), Tensor<double>.Zeros(1, 1, 4, 4).MaxPool2D(2, 2, Padding.Symmetric(1), ceilMode: true).Shape);
        // The 2x2 fast path with an overhanging last window: the last row and column pool alone.
        var x = Tensor<float>.FromArray(Enumerable.Range(0, 25).Select(i => (float)i).ToArray(), 1, 1, 5, 5);
        Assert.Equal([6f, 8, 9, 16, 18, 19, 21, 23, 24], x.MaxPool2D(2, ceilMode: true).ToArray());
        var layer = new MaxPool2D<float>((1, 2), ceilMode: true);
        Assert.Equal(new Shape(1, 1, 5, 3), layer.Forward(x).Shape);
    }
}
