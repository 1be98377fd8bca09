using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Autograd;

/// <summary>Reductions, shape ops and softmax: backward and double backward against central differences.</summary>
public class ReductionGradientProperties
{
    private static Arbitrary<(TensorCase Case, int Axis, bool Keep)> WithAxis() =>
        (from c in Generators.Tensors().Generator
         from axis in Gen.Choose(-c.Dims.Length, c.Dims.Length - 1)
         from keep in Gen.Elements(true, false)
         select (c, axis, keep)).ToArbitrary();

    private static void Check(Tensor<double> x, int seed, Func<Tensor<double>, Tensor<double>> f)
    {
        AssertGradients(xs => f(xs[0]), [x], seed);
        // Squaring the output makes the second derivative non-trivial for linear ops.
        AssertHessianVectorProducts(xs => f(xs[0]).Square(), [x], seed);
    }

    [Property(MaxTest = 100)] public Property SumAll() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(), c.Seed, x => x.Sum()));
    [Property(MaxTest = 100)] public Property MeanAll() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(), c.Seed, x => x.Mean()));
    [Property(MaxTest = 100)] public Property SumAxis() => Prop.ForAll(WithAxis(), t => Check(t.Case.Make(), t.Case.Seed, x => x.Sum(t.Axis, t.Keep)));
    [Property(MaxTest = 100)] public Property MeanAxis() => Prop.ForAll(WithAxis(), t => Check(t.Case.Make(), t.Case.Seed, x => x.Mean(t.Axis, t.Keep)));

    [Property(MaxTest = 100)]
    public Property MaxAxis() => Prop.ForAll(WithAxis(), t =>
    {
        // Distinct values, at least 0.27 apart, so no tie sits within the finite-difference step.
        var x = t.Case.Make();
        var perm = new SeededRandom(t.Case.Seed).Permutation(x.Size);
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] = perm[i] * 0.37 + 0.1 * s[i] / 2;
        Check(x, t.Case.Seed, y => y.Max(t.Axis, t.Keep));
    });

    [Property(MaxTest = 100)]
    public Property Reshape() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(), c.Seed, x => x.Reshape(-1).Reshape(x.Size, 1)));

    [Property(MaxTest = 100)]
    public Property Permute() => Prop.ForAll(Generators.Tensors(), c =>
    {
        var perm = new SeededRandom(c.Seed).Permutation(c.Dims.Length);
        Check(c.Make(), c.Seed, x => x.Permute(perm));
    });

    [Property(MaxTest = 100)]
    public Property SliceBatch() => Prop.ForAll(Generators.Tensors(), c =>
    {
        int n = c.Dims[0];
        var r = new SeededRandom(c.Seed);
        int start = r.NextInt(n), count = 1 + r.NextInt(n - start);
        Check(c.Make(), c.Seed, x => x.SliceBatch(start, count));
    });

    [Property(MaxTest = 100)] public Property LogSoftmax() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(-3, 3), c.Seed, x => x.LogSoftmax()));
    [Property(MaxTest = 100)] public Property Softmax() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(-3, 3), c.Seed, x => x.Softmax()));
    [Property(MaxTest = 100)] public Property SoftmaxOnTheFirstAxis() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(-3, 3), c.Seed, x => x.Softmax(0)));
    [Property(MaxTest = 100)] public Property LogSoftmaxOnTheFirstAxis() => Prop.ForAll(Generators.Tensors(), c => Check(c.Make(-3, 3), c.Seed, x => x.LogSoftmax(0)));

    [Fact]
    public void SoftmaxOnAnAxisSumsToOneAlongIt()
    {
        var x = Tensor<double>.Uniform(new Shape(3, 4, 5), -3, 3, new SeededRandom(4));
        var y = x.Softmax(1);
        var sums = y.Sum([1]).ToArray();
        Assert.All(sums, v => Assert.Equal(1, v, 12));
        // The same numbers as moving the axis last by hand.
        Assert.Equal(x.Permute(0, 2, 1).Softmax().Permute(0, 2, 1).ToArray(), y.ToArray());
        Assert.Equal(x.Softmax().ToArray(), x.Softmax(-1).ToArray());
        Assert.Equal(y.Log().ToArray().Select(v => Math.Round(v, 12)), x.LogSoftmax(1).ToArray().Select(v => Math.Round(v, 12)));
    }
}
