using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Autograd;

/// <summary>
/// The ops beyond HW1 (math, masks, indexing, shapes, normalization, attention): backward and double backward against
/// float64 central differences, one property line per op.
/// </summary>
public class OpsGradientProperties
{
    private static void Check(TensorCase c, Func<Tensor<double>, Tensor<double>> f, double low = -2, double high = 2, Func<Tensor<double>, Tensor<double>>? prepare = null)
    {
        var x = c.Make(low, high);
        if (prepare is not null) x = prepare(x);
        AssertGradients(xs => f(xs[0]), [x], c.Seed);
        // Squared, so that ops linear in x still have a non-trivial Hessian.
        AssertHessianVectorProducts(xs => f(xs[0]).Square(), [x], c.Seed);
    }

    /// <summary>
    /// Distinct values in [-2, 2], 4 / size apart (no tie, and no kink of the ops below, within the difference step of
    /// 1e-6), in a random order.
    /// </summary>
    private static Tensor<double> Spread(Tensor<double> x, int seed)
    {
        var perm = new SeededRandom(seed).Permutation(x.Size);
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] = ((perm[i] + 0.5) / x.Size - 0.5) * 4 + 0.0031;
        return x;
    }

    /// <summary>Distinct values 0.37 apart: every row's variance is far above LayerNorm's epsilon.</summary>
    private static Tensor<double> SpreadWide(Tensor<double> x, int seed)
    {
        var perm = new SeededRandom(seed).Permutation(x.Size);
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (perm[i] - x.Size / 2.0) * 0.37 + 0.05;
        return x;
    }

    /// <summary>An axis of at least two elements (Bessel's n - 1 and a spread need two).</summary>
    private static Arbitrary<(TensorCase Case, int Axis, bool Keep)> WithLongAxis() =>
        (from t in WithAxis().Generator
         let dims = t.Case.Dims.Select((d, i) => i == (t.Axis + t.Case.Dims.Length) % t.Case.Dims.Length ? Math.Max(2, d) : d).ToArray()
         select (new TensorCase(dims, t.Case.Seed), t.Axis, t.Keep)).ToArbitrary();

    private static Arbitrary<(TensorCase Case, int Axis, bool Keep)> WithAxis() =>
        (from c in Generators.Tensors().Generator
         from axis in Gen.Choose(-c.Dims.Length, c.Dims.Length - 1)
         from keep in Gen.Elements(true, false)
         select (c, axis, keep)).ToArbitrary();

    /// <summary>Moves values at least 0.1 away from 0 (Abs's kink).</summary>
    private static Tensor<double> AwayFromZero(Tensor<double> x)
    {
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] += s[i] >= 0 ? 0.1 : -0.1;
        return x;
    }

    // Elementwise math.
    [Property(MaxTest = 100)] public Property Abs() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Abs(), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property Sqrt() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Sqrt(), 0.3, 3));
    [Property(MaxTest = 100)] public Property Rsqrt() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Rsqrt(), 0.3, 3));
    [Property(MaxTest = 100)] public Property Sin() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Sin(), -4, 4));
    [Property(MaxTest = 100)] public Property Cos() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Cos(), -4, 4));
    [Property(MaxTest = 100)] public Property Softplus() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Softplus(), -6, 6));
    [Property(MaxTest = 100)] public Property SoftplusBetaAndThreshold() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Softplus(beta: 2, threshold: 3), -3, 3, x => Spread(x, c.Seed)));
    [Property(MaxTest = 100)] public Property Silu() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Silu(), -5, 5));
    [Property(MaxTest = 100)] public Property GeluTanh() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Gelu(GeluApproximation.Tanh), -3, 3));
    [Property(MaxTest = 100)] public Property Clamp() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Clamp(-0.8, 1.1), prepare: x => Spread(x, c.Seed)));
    [Property(MaxTest = 100)] public Property ClampOneSided() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Clamp(min: 0.2) * x.Clamp(max: -0.3), prepare: x => Spread(x, c.Seed)));

    [Property(MaxTest = 100)]
    public Property MaximumAndMinimum() => Prop.ForAll(Generators.Broadcasts(), c =>
    {
        var random = new SeededRandom(c.Seed);
        // a on the grid 0.1·k + 0.025, b on 0.1·k + 0.075: every pair is at least 0.05 apart (no tie).
        static Tensor<double> OnGrid(Tensor<double> x, double offset)
        {
            var s = x.Span;
            for (int i = 0; i < s.Length; i++) s[i] = Math.Round(s[i] * 10) / 10 + offset;
            return x;
        }
        var a = OnGrid(Tensor<double>.Uniform(new Shape(c.A), -2, 2, random), 0.025);
        var b = OnGrid(Tensor<double>.Uniform(new Shape(c.B), -2, 2, random), 0.075);
        AssertGradients(xs => xs[0].Maximum(xs[1]), [a, b], c.Seed);
        AssertGradients(xs => xs[0].Minimum(xs[1]), [a, b], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].Maximum(xs[1]).Square() + xs[0].Minimum(xs[1]) * xs[0].Minimum(xs[1]).Sin(), [a, b], c.Seed);
    });

    // Reductions and statistics.
    [Property(MaxTest = 100)] public Property MinAxis() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.Min(t.Axis, t.Keep), prepare: x => Spread(x, t.Case.Seed)));
    [Property(MaxTest = 100)] public Property LogSumExp() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.LogSumExp(t.Axis, t.Keep), -5, 5));
    [Property(MaxTest = 100)] public Property VarUnbiased() => Prop.ForAll(WithLongAxis(), t => Check(t.Case, x => x.Var(t.Axis, unbiased: true, t.Keep)));
    [Property(MaxTest = 100)] public Property VarBiasedAll() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Var(unbiased: false)));
    [Property(MaxTest = 100)] public Property Std() => Prop.ForAll(WithLongAxis(), t => Check(t.Case, x => x.Std(t.Axis, unbiased: false, t.Keep), prepare: x => Spread(x, t.Case.Seed)));
    [Property(MaxTest = 100)] public Property Norm2() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Norm()));
    [Property(MaxTest = 100)] public Property Norm1() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.Norm(1, t.Axis, t.Keep), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property Norm3() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.Norm(3, t.Axis, t.Keep), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property NormInfinity() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.Norm(double.PositiveInfinity, t.Axis, t.Keep), prepare: x => Spread(x, t.Case.Seed)));

    // Masks.
    [Property(MaxTest = 100)]
    public Property Where() => Prop.ForAll(Generators.Broadcasts(), c =>
    {
        var random = new SeededRandom(c.Seed);
        var a = Tensor<double>.Uniform(new Shape(c.A), -2, 2, random);
        var b = Tensor<double>.Uniform(new Shape(c.B), -2, 2, random);
        var condition = a.Gt(0.3);
        AssertGradients(xs => Tensor<double>.Where(condition, xs[0], xs[1]), [a, b], c.Seed);
        AssertHessianVectorProducts(xs => Tensor<double>.Where(condition, xs[0], xs[1]).Square(), [a, b], c.Seed);
    });

    [Property(MaxTest = 100)] public Property MaskedFill() => Prop.ForAll(Generators.Tensors(), c => { var mask = c.Make().Lt(-0.5); Check(c, x => x.MaskedFill(mask, 7.0)); });
    [Property(MaxTest = 100)] public Property Tril() => Prop.ForAll(Generators.Tensors(2, 4), c => Check(c, x => x.Tril((c.Seed % 3) - 1)));
    [Property(MaxTest = 100)] public Property Triu() => Prop.ForAll(Generators.Tensors(2, 4), c => Check(c, x => x.Triu((c.Seed % 3) - 1)));

    // Indexing.
    private static IndexTensor RandomIndex(int seed, int[] dims, int axis, int size)
    {
        var random = new SeededRandom(seed + 7);
        var shape = new Shape(dims);
        return IndexTensor.FromArray(Enumerable.Range(0, shape.Size).Select(_ => (int)(random.NextDouble() * size)).ToArray(), dims);
    }

    [Property(MaxTest = 100)]
    public Property GatherAndScatterAdd() => Prop.ForAll(WithAxis(), t =>
    {
        var x = t.Case.Make();
        int ax = x.Shape.NormalizeAxis(t.Axis);
        var dims = x.Shape.ToArray(); dims[ax] = 1 + t.Case.Seed % 4; // the index may be longer or shorter along the axis
        var index = RandomIndex(t.Case.Seed, dims, ax, x.Shape[ax]);
        var source = Tensor<double>.Uniform(new Shape(dims), -2, 2, new SeededRandom(t.Case.Seed + 3));
        AssertGradients(xs => xs[0].Gather(ax, index), [x], t.Case.Seed);
        AssertHessianVectorProducts(xs => xs[0].Gather(ax, index).Square(), [x], t.Case.Seed);
        AssertGradients(xs => xs[0].ScatterAdd(ax, index, xs[1]), [x, source], t.Case.Seed);
        AssertHessianVectorProducts(xs => xs[0].ScatterAdd(ax, index, xs[1]).Square(), [x, source], t.Case.Seed);
    });

    [Property(MaxTest = 100)]
    public Property IndexSelectAndIndexAdd() => Prop.ForAll(WithAxis(), t =>
    {
        var x = t.Case.Make();
        int ax = x.Shape.NormalizeAxis(t.Axis), n = 1 + t.Case.Seed % 5;
        var index = RandomIndex(t.Case.Seed, [n], 0, x.Shape[ax]); // repeats included
        var dims = x.Shape.ToArray(); dims[ax] = n;
        var source = Tensor<double>.Uniform(new Shape(dims), -2, 2, new SeededRandom(t.Case.Seed + 3));
        AssertGradients(xs => xs[0].IndexSelect(ax, index), [x], t.Case.Seed);
        AssertHessianVectorProducts(xs => xs[0].IndexSelect(ax, index).Square(), [x], t.Case.Seed);
        AssertGradients(xs => xs[0].IndexAdd(ax, index, xs[1]), [x, source], t.Case.Seed);
        AssertHessianVectorProducts(xs => xs[0].IndexAdd(ax, index, xs[1]).Square(), [x, source], t.Case.Seed);
    });

    // Shapes.
    [Property(MaxTest = 100)] public Property UnsqueezeSqueeze() => Prop.ForAll(WithAxis(), t => Check(t.Case, x => x.Unsqueeze(t.Axis).Sin().Squeeze(t.Axis)));
    [Property(MaxTest = 100)] public Property SqueezeAll() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Squeeze()));

    [Property(MaxTest = 100)]
    public Property StackSplitChunk() => Prop.ForAll(WithAxis(), t =>
    {
        var x = t.Case.Make();
        var y = t.Case.Make().Cos();
        AssertGradients(xs => Tensor<double>.Stack([xs[0], xs[1].Sin()], t.Axis), [x, y], t.Case.Seed);
        AssertHessianVectorProducts(xs => Tensor<double>.Stack([xs[0], xs[1]], t.Axis).Square(), [x, y], t.Case.Seed);
        int size = x.Shape[t.Axis];
        AssertGradients(xs => Tensor<double>.Concat(xs[0].Split(2, t.Axis).Select((p, i) => p * (i + 1.0)).ToList(), t.Axis), [x], t.Case.Seed);
        AssertGradients(xs => Tensor<double>.Concat(xs[0].Chunk(3, t.Axis).Reverse().ToList(), t.Axis), [x], t.Case.Seed);
        Assert.Equal(size, x.Chunk(3, t.Axis).Sum(p => p.Shape[t.Axis]));
    });

    [Property(MaxTest = 100)]
    public Property MatMulBroadcastsBatches() => Prop.ForAll(Generators.MatMuls(), c =>
    {
        var random = new SeededRandom(c.Seed);
        int batch = Math.Max(1, c.Batch);
        // [B, 1, M, K] x [H, K, N]: the batch dimensions broadcast to [B, H].
        var a = Tensor<double>.Uniform(new Shape(batch, 1, c.M, c.K), -2, 2, random);
        var b = Tensor<double>.Uniform(new Shape(2, c.K, c.N), -2, 2, random);
        AssertGradients(xs => xs[0].MatMul(xs[1]), [a, b], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].MatMul(xs[1]), [a, b], c.Seed);
        // Vectors: [K] x [K, N] and [M, K] x [K] and [K] x [K].
        var v = Tensor<double>.Uniform(new Shape(c.K), -2, 2, random);
        var m = Tensor<double>.Uniform(new Shape(c.M, c.K), -2, 2, random);
        AssertGradients(xs => xs[0].MatMul(xs[1]), [v, b.Narrow(0, 0, 1).Reshape(c.K, c.N)], c.Seed);
        AssertGradients(xs => xs[0].MatMul(xs[1]), [m, v], c.Seed);
        AssertGradients(xs => xs[0].MatMul(xs[1]), [v, v.Cos()], c.Seed);
    });

    // Normalization and attention.
    [Property(MaxTest = 100)]
    public Property LayerNorm() => Prop.ForAll(Generators.Tensors(1, 4), c =>
    {
        var x = SpreadWide(c.Make(), c.Seed); // distinct values: no row of near-zero variance
        int k = 1 + c.Seed % Math.Min(2, x.Rank);
        var normalized = x.Shape.Dims[^k..].ToArray();
        var w = Tensor<double>.Uniform(new Shape(normalized), 0.5, 1.5, new SeededRandom(c.Seed + 1));
        var b = Tensor<double>.Uniform(new Shape(normalized), -1, 1, new SeededRandom(c.Seed + 2));
        // A single normalized element is always 0: its derivative is 0, which the differences see too.
        AssertGradients(xs => xs[0].LayerNorm(normalized, xs[1], xs[2]), [x, w, b], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].LayerNorm(normalized, xs[1], xs[2]).Sin(), [x, w, b], c.Seed);
        AssertGradients(xs => xs[0].LayerNorm(normalized), [x], c.Seed);
    });

    private static Arbitrary<(int B, int H, int L, int S, int E, int Seed)> AttentionShapes() =>
        (from b in Gen.Choose(1, 2) from h in Gen.Choose(1, 2) from l in Gen.Choose(1, 5) from s in Gen.Choose(1, 5) from e in Gen.Choose(1, 4)
         from seed in Generators.Seeds select (b, h, l, s, e, seed)).ToArbitrary();

    [Property(MaxTest = 100)]
    public Property ScaledDotProductAttention() => Prop.ForAll(AttentionShapes(), c =>
    {
        var random = new SeededRandom(c.Seed);
        var q = Tensor<double>.Uniform(new Shape(c.B, c.H, c.L, c.E), -1, 1, random);
        var k = Tensor<double>.Uniform(new Shape(c.B, c.H, c.S, c.E), -1, 1, random);
        var v = Tensor<double>.Uniform(new Shape(c.B, c.H, c.S, c.E + 1), -1, 1, random);
        // A boolean mask with at least the first key visible to every query (no row of -inf).
        var mask = BoolTensor.FromArray(Enumerable.Range(0, c.L * c.S).Select(i => i % c.S == 0 || (i * 7 + c.Seed) % 3 != 0).ToArray(), c.L, c.S);
        AssertGradients(xs => xs[0].ScaledDotProductAttention(xs[1], xs[2]), [q, k, v], c.Seed);
        AssertGradients(xs => xs[0].ScaledDotProductAttention(xs[1], xs[2], mask: mask, scale: 0.7), [q, k, v], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].ScaledDotProductAttention(xs[1], xs[2], mask: mask), [q, k, v], c.Seed);
        var kc = k.Narrow(2, 0, Math.Min(c.S, c.L)); var vc = v.Narrow(2, 0, Math.Min(c.S, c.L));
        AssertGradients(xs => xs[0].ScaledDotProductAttention(xs[1], xs[2], isCausal: true), [q, kc, vc], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].ScaledDotProductAttention(xs[1], xs[2], isCausal: true), [q, kc, vc], c.Seed);
    });

    [Property(MaxTest = 100)]
    public Property CausalAttention() => Prop.ForAll(AttentionShapes(), c =>
    {
        // Rows of H heads ([B, T, H·dk] and [B, T, H·dv]): the fused kernel's first-order backward, and its recorded form's second.
        var random = new SeededRandom(c.Seed);
        var q = Tensor<double>.Uniform(new Shape(c.B, c.L, c.H * c.E), -1, 1, random);
        var k = Tensor<double>.Uniform(new Shape(c.B, c.L, c.H * c.E), -1, 1, random);
        var v = Tensor<double>.Uniform(new Shape(c.B, c.L, c.H * c.S), -1, 1, random);
        AssertGradients(xs => xs[0].CausalAttention(xs[1], xs[2], c.H, 0.8), [q, k, v], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].CausalAttention(xs[1], xs[2], c.H, 0.8), [q, k, v], c.Seed);
        // One joint projection's q, k and v blocks ([B, T, 3·H·dk]).
        var qkv = Tensor<double>.Uniform(new Shape(c.B, c.L, 3 * c.H * c.E), -1, 1, random);
        AssertGradients(xs => xs[0].CausalAttention(c.H, 0.8), [qkv], c.Seed);
        AssertHessianVectorProducts(xs => xs[0].CausalAttention(c.H, 0.8), [qkv], c.Seed);
    });
}
