using DeepLite.Tensors;

namespace DeepLite.Tests.Kernels;

/// <summary>
/// The max-pool kernels (the vectorized 2x2 float path, its scalar tail, the general path, the plane-parallel
/// backward) against a plain loop, at every output width 1..21 so each tail length of the 8-wide vector
/// loop is covered, with ties and NaN among the values.
/// </summary>
public class MaxPoolKernelTests
{
    /// <summary>
    /// Reference: PyTorch's rule, in scan order a value displaces the best so far when it is strictly greater or NaN,
    /// so the first maximum wins and a NaN anywhere in the window is the output (its last NaN gets the gradient).
    /// </summary>
    private static (float[] Y, float[] Dx) Reference(float[] x, int n, int c, int h, int w, int k, int s, float[] dy)
    {
        int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
        var y = new float[n * c * oh * ow];
        var dx = new float[x.Length];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int at = -1; float best = 0;
                    for (int a = 0; a < k; a++)
                        for (int b = 0; b < k; b++)
                        {
                            int idx = p * h * w + (i * s + a) * w + j * s + b;
                            if (at < 0 || x[idx] > best || float.IsNaN(x[idx])) { best = x[idx]; at = idx; }
                        }
                    int o = (p * oh + i) * ow + j;
                    y[o] = best;
                    dx[at] += dy[o];
                }
        return (y, dx);
    }

    public static IEnumerable<object[]> Cases()
    {
        for (int ow = 1; ow <= 21; ow++)
        {
            yield return [2 * ow, 2, 2];       // tiles the plane exactly
            yield return [2 * ow + 1, 2, 2];   // odd width: last column unused
        }
        yield return [9, 3, 1];                // overlapping windows: the general path
        yield return [12, 3, 3];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesThePlainLoop(int width, int k, int s)
    {
        var random = new SeededRandom(width * 31 + k);
        int n = 2, c = 3, h = width % 5 + 4;
        var data = new float[n * c * h * width];
        // Few distinct values make ties common; a few NaN check the comparison's direction.
        for (int i = 0; i < data.Length; i++) data[i] = random.NextInt(20) == 0 ? float.NaN : random.NextInt(6) - 2.5f;
        var x = Tensor.FromArray(data, n, c, h, width);
        x.RequiresGrad = true;
        var y = x.MaxPool2D(k, s);
        var dySource = new float[y.Size];
        for (int i = 0; i < dySource.Length; i++) dySource[i] = i + 1;
        y.Backward(Tensor.FromArray(dySource, y.Shape.ToArray()));

        var (expectedY, expectedDx) = Reference(data, n, c, h, width, k, s, dySource);
        Assert.Equal(expectedY, y.ToArray());
        Assert.Equal(expectedDx, x.Grad!.ToArray());
    }
}
