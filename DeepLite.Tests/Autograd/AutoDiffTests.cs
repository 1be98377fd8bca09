using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Tests.Autograd;

public class AutoDiffTests
{
    private static Tensor<double> Param(params double[] values)
    {
        var t = Tensor.FromArray(values);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void GradientsAccumulateUntilZeroed()
    {
        var x = Param(1, 2, 3);
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.Equal(new[] { 4.0, 8, 12 }, x.Grad!.ToArray());
        x.ZeroGrad();
        (x * 3.0).Sum().Backward();
        Assert.Equal(new[] { 3.0, 3, 3 }, x.Grad!.ToArray());
    }

    [Fact]
    public void AnInputUsedTwiceGetsBothContributions()
    {
        var x = Param(2);
        var y = x * x + x; // dy/dx = 2x + 1
        y.Sum().Backward();
        Assert.Equal(5, x.Grad!.Item());
    }

    [Fact]
    public void NonScalarBackwardNeedsASeed()
    {
        var x = Param(1, 2);
        var y = x * 2.0;
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2]", ex.Message);
        Assert.Contains("seed", ex.Message);
        y.Backward(Tensor.FromArray(new[] { 1.0, 10 }));
        Assert.Equal(new[] { 2.0, 20 }, x.Grad!.ToArray());
        var bad = Assert.Throws<ArgumentException>(() => (x * 2.0).Backward(Tensor.FromArray(new[] { 1.0, 2, 3 })));
        Assert.Contains("[3]", bad.Message);
    }

    [Fact]
    public void BackwardThroughAFreedGraphNamesTheOp()
    {
        var x = Param(1, 2);
        var y = x.Exp().Sum();
        y.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("freed", ex.Message);
        Assert.Contains("Sum([2])", ex.Message);
        var z = x.Exp().Sum();
        z.Backward(retainGraph: true);
        z.Backward();
        // Three backward passes of sum(exp(x)) have accumulated 3 e^x.
        Assert.Equal(3 * Math.E, x.Grad![0], 12);
    }

    [Fact]
    public void NoGradScopeRecordsNothing()
    {
        var x = Param(1, 2);
        Tensor<double> y;
        using (GradMode.Disable()) y = (x * x).Sum();
        Assert.False(y.RequiresGrad);
        Assert.True(y.IsLeaf);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.True(GradMode.IsEnabled);
    }

    [Fact]
    public void DetachStopsTheGradientButSharesMemory()
    {
        var x = Param(3);
        var d = x.Detach();
        var y = (x * d).Sum(); // d is a constant: dy/dx = d = 3
        y.Backward();
        Assert.Equal(3, x.Grad!.Item());
        d.Span[0] = 5;
        Assert.Equal(5, x.Item());
    }

    [Fact]
    public void GradLeavesDotGradAloneAndGivesZeroForUnusedInputs()
    {
        var x = Param(1, 2);
        var unused = Param(7);
        var g = AutoDiff.Grad((x * x).Sum(), [x, unused]);
        Assert.Equal(new[] { 2.0, 4 }, g[0].ToArray());
        Assert.Equal(new[] { 0.0 }, g[1].ToArray());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void SecondDerivativeOfACubic()
    {
        var x = Param(2);
        var y = (x * x * x).Sum(); // y' = 3x^2 = 12, y'' = 6x = 12, y''' = 6
        var g = AutoDiff.Grad(y, [x], createGraph: true)[0];
        Assert.Equal(12, g.Item());
        var h = AutoDiff.Grad(g.Sum(), [x], createGraph: true)[0];
        Assert.Equal(12, h.Item());
        var t = AutoDiff.Grad(h.Sum(), [x])[0];
        Assert.Equal(6, t.Item(), 12);
    }

    [Fact]
    public void HessianVectorProductOfAQuadraticIsExact()
    {
        // f(x) = 0.5 xᵀ A x with symmetric A: H = A.
        var a = Tensor.FromArray(new[] { 2.0, 1, 0, 1, 3, -1, 0, -1, 4 }, 3, 3);
        var x = Param(0.3, -0.2, 0.5);
        var xr = x.Reshape(1, 3);
        var f = (xr.MatMul(a) * xr).Sum() * 0.5;
        var hvp = new HessianVectorProduct<double>(f, [x]);
        for (int col = 0; col < 3; col++)
        {
            var e = new Tensor<double>(new Shape(3)); e[col] = 1;
            var hcol = hvp.Apply([e])[0].ToArray();
            for (int row = 0; row < 3; row++) Assert.Equal(a[row, col], hcol[row], 12);
        }
    }

    [Fact]
    public void DeepChainsDoNotOverflowTheStack()
    {
        var x = Param(1);
        var y = x;
        for (int i = 0; i < 20000; i++) y = y * 1.0;
        y.Sum().Backward();
        Assert.Equal(1, x.Grad!.Item());
    }

    [Theory]
    [InlineData(5)]
    [InlineData((1 << 20) + 7)] // large enough for the two-core accumulation, with a ragged last chunk
    public void ZeroGradKeepsTheMemoryAndTheNextBackwardStartsFromZero(int size)
    {
        var x = Tensor<double>.Uniform(new Shape(size), -1, 1, new SeededRandom(4));
        x.RequiresGrad = true;
        (x * x).Sum().Backward();
        (x * 3.0).Sum().Backward(); // accumulates: 2x + 3
        var grad = x.Grad!;
        Assert.Equal(2 * x.Span[size - 1] + 3, grad.Span[size - 1], 12);

        x.ZeroGrad();
        (x * 5.0).Sum().Backward(); // after ZeroGrad: exactly 5, in the same memory
        Assert.Same(grad, x.Grad);
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(5.0, v));

        x.ZeroGrad();
        Assert.Same(grad, x.Grad);
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(0.0, v)); // read before any backward: zeros
        (x * 2.0).Sum().Backward();
        Assert.All(x.Grad!.ToArray(), v => Assert.Equal(2.0, v));
    }

    [Fact]
    public void AOneElementSeedServesARankZeroLossAndOtherShapesAreRefused()
    {
        var w = Tensor.FromArray(new[] { 2.0, 3.0 }, 2); w.RequiresGrad = true;
        var loss = (w * w).Sum(); // rank 0
        Assert.Equal(0, loss.Rank);
        loss.Backward(Tensor.FromArray(new[] { 1.0 }));
        Assert.Equal([4.0, 6.0], w.Grad!.ToArray());
        w.ZeroGrad();
        (w * w).Sum().Backward(Tensor<double>.Scalar(0.5));
        Assert.Equal([2.0, 3.0], w.Grad!.ToArray());
        var y = w * w;
        Assert.Throws<ArgumentException>(() => y.Backward(Tensor.FromArray(new[] { 1.0, 1.0, 1.0 })));
    }
}
