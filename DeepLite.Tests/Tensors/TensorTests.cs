using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DeepLite.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void BroadcastingFollowsNumPyRules()
    {
        var a = Tensor.FromArray(new[] { 1.0, 2, 3, 4, 5, 6 }, 2, 3);
        var row = Tensor.FromArray(new[] { 10.0, 20, 30 }, 3);
        var col = Tensor.FromArray(new[] { 100.0, 200 }, 2, 1);
        Assert.Equal(new[] { 11.0, 22, 33, 14, 25, 36 }, (a + row).ToArray());
        Assert.Equal(new[] { 101.0, 102, 103, 204, 205, 206 }, (a + col).ToArray());
        var outer = col * row; // [2,1] x [3] -> [2,3]
        Assert.Equal(new Shape(2, 3), outer.Shape);
        Assert.Equal(new[] { 1000.0, 2000, 3000, 2000, 4000, 6000 }, outer.ToArray());
        Assert.Equal(new[] { 2.0, 4, 6, 8, 10, 12 }, (a * Tensor.Scalar(2.0)).ToArray());
    }

    /// <summary>
    /// Broadcast arithmetic and SumTo element by element against index arithmetic: covers the row fast paths
    /// (a [F] or [1, F] operand against [N, F], on either side) and the general stride walk alike.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property BroadcastValuesMatchIndexArithmetic() => Prop.ForAll(Generators.Broadcasts(), c =>
    {
        var r = new SeededRandom(c.Seed);
        var a = Tensor<double>.Uniform(new Shape(c.A), -1, 1, r);
        var b = Tensor<double>.Uniform(new Shape(c.B), -1, 1, r);
        var z = a - b;
        var zs = z.Shape;
        var sum = z.SumTo(a.Shape);
        var expectedSum = new double[a.Size];
        for (int flat = 0; flat < z.Size; flat++)
        {
            // The operand element that broadcasting reads for result element `flat`.
            int Source(Shape s)
            {
                int rest = flat, index = 0, stride = 1;
                for (int d = zs.Rank - 1; d >= 0; d--)
                {
                    int coordinate = rest % zs.Dims[d]; rest /= zs.Dims[d];
                    int sd = d - (zs.Rank - s.Rank);
                    if (sd < 0) continue;
                    if (s.Dims[sd] != 1) index += coordinate * stride;
                    stride *= s.Dims[sd];
                }
                return index;
            }
            double expected = a.Span[Source(a.Shape)] - b.Span[Source(b.Shape)];
            if (z.Span[flat] != expected) return false.Label($"z[{flat}] = {z.Span[flat]}, expected {expected}");
            expectedSum[Source(a.Shape)] += z.Span[flat];
        }
        for (int i = 0; i < a.Size; i++)
            if (Math.Abs(sum.Span[i] - expectedSum[i]) > 1e-12) return false.Label($"SumTo[{i}] = {sum.Span[i]}, expected {expectedSum[i]}");
        return true.ToProperty();
    });

    [Fact]
    public void IncompatibleShapesNameTheOpAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(2, 3) + Tensor<float>.Zeros(4));
        Assert.Contains("Add", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
        var mm = Assert.Throws<ArgumentException>(() => (Tensor<float>.Zeros(2, 3)).MatMul(Tensor<float>.Zeros(4, 5)));
        Assert.Contains("MatMul", mm.Message);
        Assert.Contains("[2, 3]", mm.Message);
        Assert.Contains("[4, 5]", mm.Message);
    }

    [Fact]
    public void ReshapeAndSliceAreViewsTransposeIsACopy()
    {
        var x = Tensor.FromArray(new[] { 1f, 2, 3, 4, 5, 6 }, 3, 2);
        var view = x.Reshape(2, -1);
        Assert.Equal(new Shape(2, 3), view.Shape);
        view[0, 0] = 42;
        Assert.Equal(42, x[0, 0]);
        var slice = x.SliceBatch(1, 2);
        Assert.Equal(new[] { 3f, 4, 5, 6 }, slice.ToArray());
        slice[0, 0] = -1;
        Assert.Equal(-1, x[1, 0]);
        var t = x.Transpose();
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal(new[] { 42f, -1, 5, 2, 4, 6 }, t.ToArray());
        t[0, 0] = 0;
        Assert.Equal(42, x[0, 0]);
    }

    [Fact]
    public void ReductionsOverAxes()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), 2, 3, 4);
        Assert.Equal(276, x.Sum().Item());
        Assert.Equal(11.5, x.Mean().Item());
        var s1 = x.Sum(1);
        Assert.Equal(new Shape(2, 4), s1.Shape);
        Assert.Equal(new[] { 12.0, 15, 18, 21, 48, 51, 54, 57 }, s1.ToArray());
        var s02 = x.Sum([0, 2], keepDims: true);
        Assert.Equal(new Shape(1, 3, 1), s02.Shape);
        Assert.Equal(new[] { 60.0, 92, 124 }, s02.ToArray());
        Assert.Equal(new[] { 3.0, 7, 11, 15, 19, 23 }, x.Max(-1).ToArray());
        Assert.Equal(new[] { 2, 2, 2, 2 }, x.Sum(0).ArgMax(0).ToArray());
    }

    [Fact]
    public void ArgMaxTakesTheFirstOfTiedMaxima()
    {
        var x = Tensor.FromArray(new[] { 1f, 5, 5, 7, 7, 2 }, 2, 3);
        Assert.Equal(new[] { 1, 0 }, x.ArgMax(1).ToArray());
    }

    [Fact]
    public void BatchedAndBroadcastMatMul()
    {
        var r = new SeededRandom(3);
        var a = Tensor<double>.Uniform(new Shape(2, 3, 4), -1, 1, r);
        var b = Tensor<double>.Uniform(new Shape(2, 4, 5), -1, 1, r);
        var c = a.MatMul(b);
        Assert.Equal(new Shape(2, 3, 5), c.Shape);
        for (int n = 0; n < 2; n++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 5; j++)
                {
                    double s = 0;
                    for (int k = 0; k < 4; k++) s += a[n, i, k] * b[n, k, j];
                    Assert.Equal(s, c[n, i, j], 12);
                }
        var w = Tensor<double>.Uniform(new Shape(4, 5), -1, 1, r);
        var d = a.MatMul(w);
        Assert.Equal(new Shape(2, 3, 5), d.Shape);
        Assert.Equal((a.SliceBatch(1, 1).Reshape(3, 4)).MatMul(w).ToArray(), d.SliceBatch(1, 1).ToArray());
    }

    [Fact]
    public void SeededCreationIsReproducible()
    {
        var a = Tensor<float>.Normal(new Shape(100), 0, 1, new SeededRandom(7));
        var b = Tensor<float>.Normal(new Shape(100), 0, 1, new SeededRandom(7));
        var c = Tensor<float>.Normal(new Shape(100), 0, 1, new SeededRandom(8));
        Assert.Equal(a.ToArray(), b.ToArray());
        Assert.NotEqual(a.ToArray(), c.ToArray());
    }

    [Fact]
    public void SeededRandomStateRoundTrips()
    {
        var r = new SeededRandom(11);
        r.Normal();
        var state = r.GetState();
        var expected = Enumerable.Range(0, 5).Select(_ => r.Normal()).ToArray();
        var s = new SeededRandom(0);
        s.SetState(state);
        Assert.Equal(expected, Enumerable.Range(0, 5).Select(_ => s.Normal()).ToArray());
    }

    [Fact]
    public void BadShapesAreRejectedWithTheShapeInTheMessage()
    {
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3)).Message);
        Assert.Contains("[4]", Assert.Throws<ArgumentException>(() => Tensor<float>.Zeros(4).Reshape(3)).Message);
        Assert.Contains("[2]", Assert.Throws<ArgumentOutOfRangeException>(() => Tensor<float>.Zeros(2).SliceBatch(1, 2)).Message);
        var init = Assert.Throws<TypeInitializationException>(() => System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(Tensor<Half>).TypeHandle));
        Assert.IsType<NotSupportedException>(init.InnerException);
    }
}
