using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Tests;

/// <summary>
/// The test oracle: central finite differences in float64. An op f is checked through the scalar
/// L(x) = sum(f(x) * w) with fixed random weights w, so every output element matters with its own weight.
/// </summary>
public static class GradientCheck
{
    public const double Tolerance = 1e-6;

    /// <summary>Backward of L against central differences, for each input; throws with the worst element on failure.</summary>
    public static void AssertGradients(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int seed, double tolerance = Tolerance)
    {
        var weights = WeightsFor(f, inputs, seed);
        Func<Tensor<double>[], Tensor<double>> loss = xs => (f(xs) * weights).Sum();

        var leaves = inputs.Select(Leaf).ToArray();
        var analytic = AutoDiff.Grad(loss(leaves), leaves);

        for (int i = 0; i < inputs.Length; i++)
        {
            var numeric = Numeric(xs => loss(xs).Item(), inputs, i);
            Compare($"input {i} of shape {inputs[i].Shape}", analytic[i].ToArray(), numeric, tolerance);
        }
    }

    /// <summary>
    /// Double backward: the Hessian-vector product of L (by recording the backward pass) against central
    /// differences of the gradient along v.
    /// </summary>
    public static void AssertHessianVectorProducts(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int seed, double tolerance = 1e-5)
    {
        var weights = WeightsFor(f, inputs, seed);
        Func<Tensor<double>[], Tensor<double>> loss = xs => (f(xs) * weights).Sum();
        var random = new SeededRandom(seed + 1);
        var v = inputs.Select(x => Tensor<double>.Uniform(x.Shape, -1, 1, random)).ToArray();

        var leaves = inputs.Select(Leaf).ToArray();
        var hv = new HessianVectorProduct<double>(loss(leaves), leaves).Apply(v);

        const double h = 1e-5;
        Tensor<double>[] Gradient(double step)
        {
            var shifted = inputs.Select((x, i) => Leaf(x + v[i] * step)).ToArray();
            return AutoDiff.Grad(loss(shifted), shifted);
        }
        var plus = Gradient(h); var minus = Gradient(-h);
        for (int i = 0; i < inputs.Length; i++)
        {
            var numeric = plus[i].ToArray().Zip(minus[i].ToArray(), (p, m) => (p - m) / (2 * h)).ToArray();
            Compare($"Hessian-vector product for input {i} of shape {inputs[i].Shape}", hv[i].ToArray(), numeric, tolerance);
        }
    }

    private static Tensor<double> WeightsFor(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int seed)
    {
        using var _ = GradMode.Disable();
        var shape = f(inputs).Shape;
        return Tensor<double>.Uniform(shape, 0.5, 1.5, new SeededRandom(seed));
    }

    private static Tensor<double> Leaf(Tensor<double> x)
    {
        var leaf = x.Clone();
        leaf.RequiresGrad = true;
        return leaf;
    }

    private static double[] Numeric(Func<Tensor<double>[], double> loss, Tensor<double>[] inputs, int which)
    {
        using var _ = GradMode.Disable();
        var xs = inputs.Select(x => x.Clone()).ToArray();
        var span = xs[which].Span;
        var result = new double[span.Length];
        for (int j = 0; j < span.Length; j++)
        {
            double original = span[j];
            double h = 1e-6 * Math.Max(1, Math.Abs(original));
            span[j] = original + h; double up = loss(xs);
            span[j] = original - h; double down = loss(xs);
            span[j] = original;
            result[j] = (up - down) / (2 * h);
        }
        return result;
    }

    public static void Compare(string what, double[] actual, double[] expected, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int j = 0; j < actual.Length; j++)
        {
            double err = Math.Abs(actual[j] - expected[j]) / Math.Max(1, Math.Max(Math.Abs(actual[j]), Math.Abs(expected[j])));
            if (!(err <= tolerance))
                Assert.Fail($"{what}: element {j} is {actual[j]:R}, finite differences give {expected[j]:R} (relative error {err:E2} > {tolerance:E0}).");
        }
    }
}
