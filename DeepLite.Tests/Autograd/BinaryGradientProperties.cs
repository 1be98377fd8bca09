using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Autograd;

/// <summary>The broadcasting binary ops, over random pairs of broadcast-compatible shapes.</summary>
public class BinaryGradientProperties
{
    private static void Check(BroadcastCase c, Func<Tensor<double>, Tensor<double>, Tensor<double>> f, bool positiveB = false)
    {
        var random = new SeededRandom(c.Seed);
        var a = Tensor<double>.Uniform(new Shape(c.A), -2, 2, random);
        var b = Tensor<double>.Uniform(new Shape(c.B), -2, 2, random);
        if (positiveB)
        {
            // Keep |b| in [0.5, 2] so a / b stays smooth.
            var s = b.Span;
            for (int i = 0; i < s.Length; i++) s[i] = Math.Sign(s[i] + 1e-9) * (0.5 + Math.Abs(s[i]) * 0.75);
        }
        AssertGradients(xs => f(xs[0], xs[1]), [a, b], c.Seed);
        AssertHessianVectorProducts(xs => f(xs[0], xs[1]), [a, b], c.Seed);
    }

    [Property(MaxTest = 100)] public Property Add() => Prop.ForAll(Generators.Broadcasts(), c => Check(c, (a, b) => a + b));
    [Property(MaxTest = 100)] public Property Subtract() => Prop.ForAll(Generators.Broadcasts(), c => Check(c, (a, b) => a - b));
    [Property(MaxTest = 100)] public Property Multiply() => Prop.ForAll(Generators.Broadcasts(), c => Check(c, (a, b) => a * b));
    [Property(MaxTest = 100)] public Property Divide() => Prop.ForAll(Generators.Broadcasts(), c => Check(c, (a, b) => a / b, positiveB: true));

    [Property(MaxTest = 100)]
    public Property BroadcastToAndSumTo() => Prop.ForAll(Generators.Broadcasts(), c =>
    {
        var small = c.A.Aggregate(1, (p, d) => p * d) <= c.B.Aggregate(1, (p, d) => p * d) ? c.A : c.B;
        var full = ReferenceEquals(small, c.A) ? c.B : c.A;
        var x = Tensor<double>.Uniform(new Shape(small), -2, 2, new SeededRandom(c.Seed));
        var target = Shape.Broadcast(new Shape(small), new Shape(full), "test");
        AssertGradients(xs => xs[0].BroadcastTo(target), [x], c.Seed);
        var y = Tensor<double>.Uniform(target, -2, 2, new SeededRandom(c.Seed));
        AssertGradients(xs => xs[0].SumTo(new Shape(small)), [y], c.Seed);
        AssertHessianVectorProducts(xs => (xs[0].BroadcastTo(target) * xs[0].BroadcastTo(target)).SumTo(new Shape(small)), [x], c.Seed);
    });

    /// <summary>Linear (x Wᵀ + b) over [N, in] and [B, N, in] inputs, with and without bias, against MatMul + Add.</summary>
    [Property(MaxTest = 100)]
    public Property Linear() => Prop.ForAll(Generators.MatMuls(), c =>
    {
        var random = new SeededRandom(c.Seed);
        bool withBias = c.TransA, batched = c.Batch > 0;
        int[] inputDims = batched ? [c.Batch, c.M, c.K] : [c.M, c.K];
        var x = Tensor<double>.Uniform(new Shape(inputDims), -2, 2, random);
        var w = Tensor<double>.Uniform(new Shape(c.N, c.K), -2, 2, random);
        var b = Tensor<double>.Uniform(new Shape(c.N), -2, 2, random);
        Tensor<double>[] inputs = withBias ? [x, w, b] : [x, w];
        Tensor<double> F(Tensor<double>[] xs) => xs[0].Linear(xs[1], withBias ? xs[2] : null);
        AssertGradients(F, inputs, c.Seed);
        AssertHessianVectorProducts(F, inputs, c.Seed);
        // The same bits as the two ops it fuses.
        var reference = x.MatMul(w, transposeB: true);
        if (withBias) reference += b;
        Assert.Equal(reference.ToArray(), F(inputs).ToArray());
    });

    [Property(MaxTest = 100)]
    public Property MatMul() => Prop.ForAll(Generators.MatMuls(), c =>
    {
        var random = new SeededRandom(c.Seed);
        int[] Lead(bool broadcast) => c.Batch == 0 || broadcast ? [] : [c.Batch];
        int[] aDims = [.. Lead(false), .. (c.TransA ? new[] { c.K, c.M } : new[] { c.M, c.K })];
        int[] bDims = [.. Lead(c.BroadcastB), .. (c.TransB ? new[] { c.N, c.K } : new[] { c.K, c.N })];
        var a = Tensor<double>.Uniform(new Shape(aDims), -2, 2, random);
        var b = Tensor<double>.Uniform(new Shape(bDims), -2, 2, random);
        Tensor<double> F(Tensor<double>[] xs) => xs[0].MatMul(xs[1], c.TransA, c.TransB);
        AssertGradients(F, [a, b], c.Seed);
        // MatMul is bilinear: its Hessian couples a and b, which double backward must reproduce.
        AssertHessianVectorProducts(F, [a, b], c.Seed);
    });
}
