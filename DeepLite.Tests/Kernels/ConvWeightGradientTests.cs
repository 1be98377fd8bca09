using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Tests.Kernels;

/// <summary>
/// The weight gradient of thin convolutions (the direct kernel, stride 1 and few input channels) against
/// a plain loop over every output width 1..20 (each tail of the two-vector loop), filter counts that leave
/// every remainder of the four-filter blocks, kernels 1..5 and each padding mode, in float; and
/// the same numbers for one and two threads.
/// </summary>
[Collection(nameof(ThreadLimitCollection))]
public class ConvWeightGradientTests
{
    private static double[] Reference(float[] x, float[] gy, int n, int c, int h, int w, int f, int k, int top, int left, int oh, int ow)
    {
        var gw = new double[f * c * k * k];
        for (int s = 0; s < n; s++)
            for (int o = 0; o < f; o++)
                for (int ch = 0; ch < c; ch++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++)
                            for (int y = 0; y < oh; y++)
                                for (int z = 0; z < ow; z++)
                                {
                                    int ih = y + i - top, iw = z + j - left;
                                    if ((uint)ih >= (uint)h || (uint)iw >= (uint)w) continue;
                                    gw[((o * c + ch) * k + i) * k + j] += (double)gy[((s * f + o) * oh + y) * ow + z] * x[((s * c + ch) * h + ih) * w + iw];
                                }
        return gw;
    }

    public static IEnumerable<object[]> Cases()
    {
        for (int width = 1; width <= 20; width++) yield return [width, 3, 1 + width % 6, 5 + width % 3, "same"];
        foreach (var k in new[] { 1, 2, 4, 5 }) yield return [11, k, 2, 7, "valid"];
        yield return [13, 3, 3, 4, "symmetric"];
        yield return [9, 5, 1, 9, "same"];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesThePlainLoop(int width, int k, int channels, int filters, string mode)
    {
        int n = 6, h = Math.Max(k, width % 4 + 3); // 6 samples: one full chunk of four and a partial one
        var padding = mode switch { "same" => Padding.Same, "symmetric" => Padding.Symmetric(1), _ => Padding.Valid };
        var random = new SeededRandom(width * 100 + k * 10 + channels);
        var x = Tensor<float>.Uniform(new Shape(n, channels, h, width), -1, 1, random);
        var w = Tensor<float>.Uniform(new Shape(filters, channels, k, k), -1, 1, random);
        w.RequiresGrad = true;
        var b = Tensor<float>.Uniform(new Shape(filters), -1, 1, random);
        b.RequiresGrad = true; // the bias gradient comes from the same pass over dY
        var y = Tensor<float>.Conv2D(x, w, b, 1, padding);
        var seed = Tensor<float>.Uniform(y.Shape, -1, 1, random);
        var (top, _, left, _) = padding.Resolve(h, width, k, k, 1, 1);

        float[] Gradient()
        {
            w.Grad = null; b.Grad = null;
            Tensor<float>.Conv2D(x, w, b, 1, padding).Backward(seed);
            return [.. w.Grad!.ToArray(), .. b.Grad!.ToArray()];
        }
        int plane = y.Shape[2] * y.Shape[3];
        var biasExpected = Enumerable.Range(0, filters).Select(f =>
            Enumerable.Range(0, n).Sum(s => seed.ToArray().Skip((s * filters + f) * plane).Take(plane).Sum(v => (double)v))).ToArray();
        double[] expected = [.. Reference(x.ToArray(), seed.ToArray(), n, channels, h, width, filters, k, top, left, y.Shape[2], y.Shape[3]), .. biasExpected];
        var actual = Gradient();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{(i < expected.Length - filters ? "dW" : "db")}[{i}]: {actual[i]}, expected {expected[i]}");

        int previous = DeepLite.Kernels.Parallelism.MaxThreads;
        try
        {
            DeepLite.Kernels.Parallelism.MaxThreads = 1;
            Assert.Equal(actual, Gradient()); // same bits on one thread
        }
        finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
    }
}
