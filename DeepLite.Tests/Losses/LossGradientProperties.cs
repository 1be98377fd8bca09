using DeepLite.Losses;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Losses;

/// <summary>The fused losses: gradients with respect to both operands, and their double backward.</summary>
public class LossGradientProperties
{
    private static Arbitrary<(int N, int C, Reduction Reduction, int Seed)> Cases() =>
        (from n in Gen.Choose(1, 6)
         from c in Gen.Choose(1, 6)
         from reduction in Gen.Elements(Reduction.Mean, Reduction.Sum)
         from seed in Generators.Seeds
         select (n, c, reduction, seed)).ToArbitrary();

    [Property(MaxTest = 100)]
    public Property MeanSquaredError() => Prop.ForAll(Cases(), t =>
    {
        var r = new SeededRandom(t.Seed);
        var p = Tensor<double>.Uniform(new Shape(t.N, t.C), -2, 2, r);
        var y = Tensor<double>.Uniform(new Shape(t.N, t.C), -2, 2, r);
        AssertGradients(xs => Loss.MeanSquaredError(xs[0], xs[1], t.Reduction), [p, y], t.Seed);
        AssertHessianVectorProducts(xs => Loss.MeanSquaredError(xs[0].Tanh(), xs[1], t.Reduction), [p, y], t.Seed);
    });

    [Property(MaxTest = 100)]
    public Property SoftmaxCrossEntropyWithLabels() => Prop.ForAll(Cases(), t =>
    {
        var r = new SeededRandom(t.Seed);
        var logits = Tensor<double>.Uniform(new Shape(t.N, t.C), -3, 3, r);
        var labels = Enumerable.Range(0, t.N).Select(_ => r.NextInt(t.C)).ToArray();
        AssertGradients(xs => Loss.SoftmaxCrossEntropy(xs[0], labels, t.Reduction), [logits], t.Seed);
        AssertHessianVectorProducts(xs => Loss.SoftmaxCrossEntropy(xs[0], labels, t.Reduction), [logits], t.Seed);
    });

    [Property(MaxTest = 100)]
    public Property SoftmaxCrossEntropyWithSoftTargets() => Prop.ForAll(Cases(), t =>
    {
        var r = new SeededRandom(t.Seed);
        var logits = Tensor<double>.Uniform(new Shape(t.N, t.C), -3, 3, r);
        var targets = Tensor<double>.Uniform(new Shape(t.N, t.C), 0.1, 1, r);
        AssertGradients(xs => Loss.SoftmaxCrossEntropy(xs[0], xs[1], t.Reduction), [logits, targets], t.Seed);
        AssertHessianVectorProducts(xs => Loss.SoftmaxCrossEntropy(xs[0], xs[1], t.Reduction), [logits, targets], t.Seed);
    });
}
