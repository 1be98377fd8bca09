using DeepLite.Kernels;
using DeepLite.Tensors;

namespace DeepLite.Tests.Kernels;

/// <summary>Each vectorized operator against its scalar form at every length 0..67 (all tail lengths, float and double).</summary>
public class ElementwiseKernelTests
{
    private static T[] Values<T>(int n, int seed, double low = -3, double high = 3) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new SeededRandom(seed);
        return Enumerable.Range(0, n).Select(_ => T.CreateChecked(r.Uniform(low, high))).ToArray();
    }

    private static void Unary<T, TOp>(double low = -3, double high = 3, double tol = 0)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> where TOp : IUnaryOperator<T>
    {
        for (int n = 0; n <= 67; n++)
        {
            var x = Values<T>(n, n, low, high);
            var y = new T[n];
            Elementwise.Map<T, TOp>(x, y);
            for (int i = 0; i < n; i++)
            {
                T expected = TOp.Invoke(x[i]);
                double err = Math.Abs(double.CreateChecked(y[i] - expected));
                Assert.True(err <= tol * Math.Max(1, Math.Abs(double.CreateChecked(expected))), $"{typeof(TOp).Name} n={n} i={i}: {y[i]} vs {expected}");
            }
        }
    }

    private static void Binary<T, TOp>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
    {
        for (int n = 0; n <= 67; n++)
        {
            var x = Values<T>(n, n); var y = Values<T>(n, n + 1000);
            T s = T.CreateChecked(1.25);
            var z = new T[n]; var zs = new T[n]; var sz = new T[n];
            Elementwise.Map<T, TOp>(x, y, z);
            Elementwise.Map<T, TOp>(x, s, zs);
            Elementwise.Map<T, SwappedOperator<T, TOp>>(y, s, sz); // the scalar on the left
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(TOp.Invoke(x[i], y[i]), z[i]);
                Assert.Equal(TOp.Invoke(x[i], s), zs[i]);
                Assert.Equal(TOp.Invoke(s, y[i]), sz[i]);
            }
        }
    }

    [Fact]
    public void BinaryOperatorsMatchScalarAtEveryLength()
    {
        Binary<float, AddOperator<float>>(); Binary<double, AddOperator<double>>();
        Binary<float, AddReluOperator<float>>(); Binary<double, AddReluOperator<double>>();
        Binary<float, SubtractOperator<float>>(); Binary<double, SubtractOperator<double>>();
        Binary<float, MultiplyOperator<float>>(); Binary<double, MultiplyOperator<double>>();
        Binary<float, DivideOperator<float>>(); Binary<double, DivideOperator<double>>();
        Binary<float, PositiveMaskOperator<float>>(); Binary<double, PositiveMaskOperator<double>>();
        Binary<float, MaximumOperator<float>>(); Binary<double, MaximumOperator<double>>();
        Binary<float, MinimumOperator<float>>(); Binary<double, MinimumOperator<double>>();
        Binary<float, MaximumShareOperator<float>>(); Binary<double, MaximumShareOperator<double>>();
        Binary<float, GreaterOperator<float>>(); Binary<double, GreaterOperator<double>>();
        Binary<float, GreaterOrEqualOperator<float>>(); Binary<double, GreaterOrEqualOperator<double>>();
        Binary<float, EqualOperator<float>>(); Binary<double, EqualOperator<double>>();
    }

    [Fact]
    public void GeluInFloatIsVectorizedAndAccurate()
    {
        // Float GELU and its derivatives run the vector erfc at every length, within a few ulps of the scalar form...
        Unary<float, GeluOperator<float>>(-12, 12, 1e-6); Unary<float, GeluSlopeOperator<float>>(-12, 12, 1e-6);
        Unary<float, GeluCurvatureOperator<float>>(-12, 12, 1e-6); Unary<double, GeluCurvatureOperator<double>>(-12, 12, 1e-14);
        // ...and close to the exact (double, MathNet erfc) GELU over [-12, 12], both tails included: erfcc's 1.2e-7, a few
        // roundings, and in the left tail the float roundings of the exponent -x²/2 (a few 6e-8 of it, absolute).
        var x = Enumerable.Range(0, 24001).Select(i => (float)(-12 + i * 0.001)).ToArray();
        var y = new float[x.Length];
        Elementwise.Map<float, GeluOperator<float>>(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = GeluOperator<double>.Invoke(x[i]);
            double tolerance = 4e-7 + 1.5e-7 * x[i] * x[i];
            Assert.True(Math.Abs(y[i] - exact) <= tolerance * Math.Abs(exact) + 1e-38, $"GELU({x[i]}) = {y[i]}, exact {exact}");
        }
        Assert.True(float.IsNaN(GeluOperator<float>.Invoke(float.NaN)));
        var nan = new float[9]; nan[3] = float.NaN;
        Elementwise.Map<float, GeluOperator<float>>(nan, nan);
        Assert.True(float.IsNaN(nan[3]));
    }

    [Fact]
    public void FloatExpIsWithinTwoUlpsAndItsVectorFormsGiveTheScalarBits()
    {
        // Over the whole finite range and past both ends: within 2 ulp of the exact exponential (relative 2.4e-7), 0 where
        // the exact value is below the normal floats, +inf above the largest float, NaN for NaN.
        for (double v = -100; v <= 100; v += 0.0137)
        {
            float x = (float)v, y = FloatExp.Exp(x);
            double exact = Math.Exp(x);
            if (exact < 1.1754944e-38) Assert.True(y == 0 || Math.Abs(y - exact) <= 2.4e-7 * exact, $"exp({x}) = {y}, exact {exact}");
            else if (exact > float.MaxValue) Assert.Equal(float.PositiveInfinity, y);
            else Assert.True(Math.Abs(y - exact) <= 2.4e-7 * exact, $"exp({x}) = {y}, exact {exact}");
        }
        Assert.True(float.IsNaN(FloatExp.Exp(float.NaN)));
        Assert.Equal(0f, FloatExp.Exp(float.NegativeInfinity));
        Assert.Equal(float.PositiveInfinity, FloatExp.Exp(float.PositiveInfinity));
        Assert.Equal(1f, FloatExp.Exp(0f));
        // The 256- and 512-bit forms give the scalar form's bits in every lane, special values included.
        var xs = new[] { -90f, -87.5f, -87.3f, -20f, -1f, -1e-8f, 0f, 1e-8f, 0.5f, 1f, 10f, 88f, 88.7f, 88.8f, float.NaN, float.NegativeInfinity };
        var v512 = FloatExp.Exp(System.Runtime.Intrinsics.Vector512.Create(xs));
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(FloatExp.Exp(xs[i]), v512[i]);
            Assert.Equal(FloatExp.Exp(xs[i]), FloatExp.Exp(System.Runtime.Intrinsics.Vector256.Create(xs[i]))[0]);
        }
    }

    [Fact]
    public void GelusFusedGradientHasTheBitsOfTheSlopeTimesTheGradient()
    {
        // The first-order backward runs g·slope(x) in one pass; a double backward records g * GeluSlope(x). Both must
        // give the same bits at every length (vector lanes and scalar tail alike), in float and in double.
        static void Check<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            for (int n = 0; n <= 67; n++)
            {
                var x = Values<T>(n, n, -6, 6); var g = Values<T>(n, n + 500);
                var fused = new T[n]; var slope = new T[n]; var product = new T[n];
                Elementwise.Map<T, GeluGradientOperator<T>>(x, g, fused);
                Elementwise.Map<T, GeluSlopeOperator<T>>(x, slope);
                Elementwise.Map<T, MultiplyOperator<T>>(g, slope, product);
                Assert.Equal(product, fused);
            }
        }
        Check<float>(); Check<double>();
    }

    [Fact]
    public void SoftplusMatchesScalarAtEveryLength()
    {
        // Vector exp and log: within a few ulps; the threshold (1.25 here) switches at the same elements.
        for (int n = 0; n <= 67; n++)
        {
            var x = Values<double>(n, n, -30, 30); var xf = x.Select(v => (float)v).ToArray();
            var y = new double[n]; var yf = new float[n];
            Elementwise.Map<double, SoftplusOperator<double>>(x, 1.25, y);
            Elementwise.Map<float, SoftplusOperator<float>>(xf, 1.25f, yf);
            for (int i = 0; i < n; i++)
            {
                double e = SoftplusOperator<double>.Invoke(x[i], 1.25);
                Assert.True(Math.Abs(y[i] - e) <= 1e-14 * Math.Max(1, Math.Abs(e)), $"double n={n} i={i}: {y[i]} vs {e}");
                float ef = SoftplusOperator<float>.Invoke(xf[i], 1.25f);
                Assert.True(Math.Abs(yf[i] - ef) <= 1e-6 * Math.Max(1, Math.Abs(ef)), $"float n={n} i={i}: {yf[i]} vs {ef}");
            }
        }
    }

    [Fact]
    public void MaximumAndMinimumPropagateNaNInBothForms()
    {
        // Lanes 0..7 of a vector and the scalar tail alike.
        for (int n = 1; n <= 19; n++)
        {
            var x = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? double.NaN : i).ToArray();
            var y = Enumerable.Range(0, n).Select(i => i % 4 == 1 ? double.NaN : 5.0).ToArray();
            var z = new double[n];
            Elementwise.Map<double, MaximumOperator<double>>(x, y, z);
            for (int i = 0; i < n; i++) Assert.Equal(double.IsNaN(x[i]) || double.IsNaN(y[i]), double.IsNaN(z[i]));
            Elementwise.Map<double, MinimumOperator<double>>(x, y, z);
            for (int i = 0; i < n; i++) Assert.Equal(double.IsNaN(x[i]) || double.IsNaN(y[i]), double.IsNaN(z[i]));
        }
    }

    [Fact]
    public void UnaryOperatorsMatchScalarAtEveryLength()
    {
        Unary<float, NegateOperator<float>>(); Unary<double, NegateOperator<double>>();
        Unary<float, ReluOperator<float>>(); Unary<double, ReluOperator<double>>();
        Unary<float, StepOperator<float>>(); Unary<double, StepOperator<double>>();
        // The vector exp/log are polynomial approximations: within a few ulps of the scalar library.
        Unary<float, ExpOperator<float>>(tol: 1e-6); Unary<double, ExpOperator<double>>(tol: 1e-14);
        Unary<float, LogOperator<float>>(0.01, 50, 1e-6); Unary<double, LogOperator<double>>(0.01, 50, 1e-14);
        Unary<float, TanhOperator<float>>(-12, 12, 2e-7); Unary<double, TanhOperator<double>>();
        Unary<float, SigmoidOperator<float>>(-30, 30, 1e-6); Unary<double, SigmoidOperator<double>>(-30, 30, 1e-14);
        Unary<float, SeluOperator<float>>(-30, 30, 1e-6); Unary<double, SeluOperator<double>>(-30, 30, 1e-14);
        Unary<float, AbsOperator<float>>(); Unary<double, AbsOperator<double>>();
        Unary<float, SignOperator<float>>(); Unary<double, SignOperator<double>>();
        Unary<float, SqrtOperator<float>>(0, 50); Unary<double, SqrtOperator<double>>(0, 50);
        Unary<float, RsqrtOperator<float>>(0.01, 50); Unary<double, RsqrtOperator<double>>(0.01, 50);
        // The runtime's vector sin/cos and exp: within a few ulps of the scalar library.
        Unary<float, SinOperator<float>>(-10, 10, 1e-6); Unary<double, SinOperator<double>>(-10, 10, 1e-14);
        Unary<float, CosOperator<float>>(-10, 10, 1e-6); Unary<double, CosOperator<double>>(-10, 10, 1e-14);
        Unary<float, SiluOperator<float>>(-30, 30, 1e-6); Unary<double, SiluOperator<double>>(-30, 30, 1e-14);
        Unary<float, GeluTanhOperator<float>>(-8, 8, 1e-6); Unary<double, GeluTanhOperator<double>>(-8, 8, 1e-14);
    }

    [Fact]
    public void AVectorFormMadeOfLanesIsTheScalarFormInEveryLane()
    {
        var xd = System.Runtime.Intrinsics.Vector256.Create(Values<double>(4, 4).AsSpan());
        var yd = TanhOperator<double>.Invoke(xd);
        for (int i = 0; i < 4; i++) Assert.Equal(Math.Tanh(xd[i]), yd[i]);
    }

    [Fact]
    public void FloatTanhIsAccurateRelativeToItsValueEverywhere()
    {
        // Near 0 tanh x ≈ x: an error relative to 1 would hide a lost value, so the bound is relative to tanh x itself,
        // on both sides of the 0.55 switch, down to subnormals, at the saturation and through special values.
        var xs = new List<float> { 0f, -0f, 1e-30f, -1e-38f, 1e-7f, 0.01f, 0.3f, 0.5499999f, 0.55f, 0.5500001f, 0.9f, 3f, 9f, 9.1f, 20f, 90f, float.MaxValue, float.Epsilon };
        var r = new SeededRandom(5);
        for (int i = 0; i < 4000; i++) xs.Add((float)(r.Uniform(-1, 1) * Math.Pow(10, r.Uniform(-6, 1.2))));
        xs.AddRange(xs.Select(v => -v).ToList());
        while (xs.Count % 8 != 0) xs.Add(0.25f);
        var x = xs.ToArray(); var y = new float[x.Length];
        Elementwise.Map<float, TanhOperator<float>>(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Tanh(x[i]);
            Assert.True(Math.Abs(y[i] - exact) <= 2.5e-7 * Math.Abs(exact) + 1e-45, $"tanh({x[i]:R}) = {y[i]:R}, exact {exact:R}");
            Assert.Equal(float.IsNegative(x[i]), float.IsNegative(y[i]));
        }
        var special = new float[8]; Elementwise.Map<float, TanhOperator<float>>([float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0, 0, 0, 0, 0], special);
        Assert.True(float.IsNaN(special[0]));
        Assert.Equal(1f, special[1]);
        Assert.Equal(-1f, special[2]);
    }

    [Fact]
    public void ReductionsMatchScalarAtEveryLength()
    {
        for (int n = 0; n <= 67; n++)
        {
            var x = Values<double>(n, n); var y = Values<double>(n, n + 7);
            Assert.Equal(x.Sum(), Elementwise.Sum<double>(x), 12);
            Assert.Equal(x.Zip(y, (a, b) => a * b).Sum(), Elementwise.Dot<double>(x, y), 12);
            var acc = (double[])y.Clone();
            Elementwise.AddScaled<double>(x, 0.5, acc);
            for (int i = 0; i < n; i++) Assert.Equal(y[i] + 0.5 * x[i], acc[i], 14);
            // Float: eight lanes, so four accumulators from 32 elements; every tail up to 67.
            var xf = Values<float>(n, n);
            Assert.Equal(xf.Sum(v => (double)v), Elementwise.Sum<float>(xf), 4);
        }
    }

    /// <summary>
    /// The streaming fill at every start alignment within a cache line and every length 0..67 (head, vector
    /// body and tail), touching nothing outside its span; and tensors large enough to take it (16 MB and up).
    /// </summary>
    [Fact]
    public void StreamingFillWritesExactlyItsSpan()
    {
        static void Check<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var buffer = new T[256];
            T mark = T.CreateChecked(-7), value = T.CreateChecked(2.5);
            for (int start = 0; start < 64 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>() + 1; start++)
                for (int n = 0; n <= 67; n++)
                {
                    Array.Fill(buffer, mark);
                    Elementwise.FillNonTemporal(buffer.AsSpan(start, n), value);
                    for (int i = 0; i < buffer.Length; i++)
                        Assert.True(buffer[i] == (i >= start && i < start + n ? value : mark), $"{typeof(T).Name} start {start} n {n}: [{i}] = {buffer[i]}");
                }
        }
        Check<float>(); Check<double>();

        var ones = Tensor<float>.Ones(1 << 22, 1); // 16 MB
        Assert.True(ones.ToArray().All(v => v == 1f));
        var filled = Tensor<double>.Full(-3, 3, (1 << 20) + 3); // 24 MB, an odd length
        Assert.True(filled.ToArray().All(v => v == -3));
        filled.Fill(0.5);
        Assert.True(filled.ToArray().All(v => v == 0.5));
        // A zero tensor that reuses a pooled buffer of nines is zero everywhere.
        using (TensorPool.BeginScope()) Tensor<float>.Full(9, 1 << 22);
        using (TensorPool.BeginScope()) Assert.True(new Tensor<float>(new Shape(1 << 22)).ToArray().All(v => v == 0f));
    }

    [Fact]
    public void ScaleBytesHasTheScalarFormsBitsAtEveryLength()
    {
        var r = new SeededRandom(11);
        foreach (var (scale, shift) in new[] { (1f / 255f, 0f), (1f / 255f / 0.3081f, -0.1307f / 0.3081f), (0.7f, -3.25f) })
            for (int n = 0; n <= 100; n++)
            {
                var x = Enumerable.Range(0, n).Select(_ => (byte)r.NextInt(256)).ToArray();
                x.AsSpan(0, Math.Min(2, n)).Fill(255); // the extremes of the byte range
                var y = new float[n + 3];
                y.AsSpan().Fill(-1f);
                Elementwise.ScaleBytes(x, scale, shift, y);
                for (int i = 0; i < n; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(x[i] * scale + shift) == BitConverter.SingleToInt32Bits(y[i]), $"n={n} i={i}: {y[i]} vs {x[i] * scale + shift}");
                Assert.All(y[n..], v => Assert.Equal(-1f, v)); // nothing past the end
            }
    }
}
