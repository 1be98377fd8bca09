#pragma warning disable CS0618 // the deprecated forms are what is tested here
using DeepLite.Data;
using DeepLite.Tensors;
using DeepLite.Tests.Docs;

namespace DeepLite.Tests;

/// <summary>
/// A program written against the 0.1.0 package compiles against this one with only obsolete warnings (CS0618), each
/// naming the new call, for every change the changelog marks deprecated; and each forwarder computes what the new form
/// does.
/// </summary>
public class ObsoleteFormsTests
{
    /// <summary>0.1.0's forms of the deprecated calls, as a consumer wrote them (the calls of the port that failed).</summary>
    private const string Consumer010 = """
        using DeepLite.Data;
        using DeepLite.Tensors;

        var a = Tensor<float>.Ones(2, 3);
        var b = Tensor<float>.Ones(3, 4);
        var c = Tensor<float>.MatMul(a, b);
        var cT = Tensor<float>.MatMul(a, Tensor<float>.Ones(4, 3), false, true);
        var linear = Tensor<float>.Linear(a, Tensor<float>.Ones(5, 3), null);
        var x = Tensor<float>.Ones(1, 1, 5, 5);
        var w = Tensor<float>.Ones(2, 1, 3, 3);
        var y = Tensor<float>.Conv2D(x, w, null, 1, Padding.Same);
        var y2 = Tensor<float>.Conv2D(x, w, null, (1, 2), Padding.Valid);
        var sum = Tensor<float>.Add(a, a);
        var difference = Tensor<float>.Subtract(a, a);
        var product = Tensor<float>.Multiply(a, a);
        var quotient = Tensor<float>.Divide(a, a);
        int[] predicted = c.ArgMax(1);
        var images = new ImageDataset("tiny", new byte[4 * 4], [0, 1, 0, 1], 1, 2, 2, ["a", "b"]);
        var loader = new DataLoader(images, 2, true, 1, false, Normalization.Mnist);
        var all = images.ToTensor(Normalization.Mnist);
        images.WriteImages(new[] { 0 }, new float[4], Normalization.Mnist);
        Console.WriteLine($"{c.Shape} {cT.Shape} {linear.Shape} {y.Shape} {y2.Shape} {sum.Shape} {difference.Shape} {product.Shape} {quotient.Shape} {predicted.Length} {loader.BatchesPerEpoch} {all.Shape}");
        """;

    [Fact]
    public void AProgramOf010CompilesWithOnlyObsoleteWarnings()
    {
        var diagnostics = PastedProgram.Compile(Consumer010, "Consumer010.cs");
        Assert.True(diagnostics.All(d => d.Id == "CS0618"), string.Join("\n", diagnostics.Where(d => d.Id != "CS0618")));
        // One warning per deprecated call, each naming what to write instead.
        Assert.Equal(13, diagnostics.Count);
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("Use a.MatMul(b, transposeA, transposeB)"));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("call .ToArray() for an int[]"));
        Assert.Contains(diagnostics, d => d.GetMessage().Contains("dataset.Normalized(normalization)"));
    }

    [Fact]
    public void TheForwardersComputeWhatTheNewFormsDo()
    {
        var random = new SeededRandom(4);
        var a = Tensor<double>.Normal(new Shape(2, 3), 0, 1, random);
        var b = Tensor<double>.Normal(new Shape(3, 4), 0, 1, random);
        Assert.Equal(a.MatMul(b).ToArray(), Tensor<double>.MatMul(a, b).ToArray());
        Assert.Equal(a.MatMul(a, transposeB: true).ToArray(), Tensor<double>.MatMul(a, a, false, true).ToArray());
        Assert.Equal((a + a).ToArray(), Tensor<double>.Add(a, a).ToArray());
        Assert.Equal((a - b.Sum()).ToArray(), Tensor<double>.Subtract(a, b.Sum()).ToArray());
        Assert.Equal((a * a).ToArray(), Tensor<double>.Multiply(a, a).ToArray());
        Assert.Equal((a / (a + 3.0)).ToArray(), Tensor<double>.Divide(a, a + 3.0).ToArray());
        var weight = Tensor<double>.Normal(new Shape(5, 3), 0, 1, random);
        Assert.Equal(a.Linear(weight).ToArray(), Tensor<double>.Linear(a, weight).ToArray());
        var x = Tensor<double>.Normal(new Shape(1, 2, 6, 6), 0, 1, random);
        var w = Tensor<double>.Normal(new Shape(3, 2, 3, 3), 0, 1, random);
        Assert.Equal(x.Conv2D(w, null, 2, Padding.Same).ToArray(), Tensor<double>.Conv2D(x, w, null, 2, Padding.Same).ToArray());
        Assert.Equal(x.Conv2D(w, null, new Size2D(1, 2), Padding.Valid).ToArray(), Tensor<double>.Conv2D(x, w, null, (1, 2), Padding.Valid).ToArray());
        int[] labels = a.ArgMax(1);
        Assert.Equal(a.ArgMax(1).ToArray(), labels);

        var images = new ImageDataset("tiny", [0, 50, 100, 150, 200, 250, 25, 75], [0, 1], 1, 2, 2, ["a", "b"]);
        var n = Normalization.Mnist;
        Assert.Equal(images.Normalized(n).ToTensor().ToArray(), images.ToTensor(n).ToArray());
        float[] old = new float[8], now = new float[8];
        images.WriteImages([1, 0], old, n);
        images.Normalized(n).WriteImages([1, 0], now);
        Assert.Equal(now, old);
        var oldLoader = new DataLoader(images, 2, false, 0, false, n);
        var newLoader = new DataLoader(images.Normalized(n), 2, shuffle: false);
        Assert.Equal(newLoader.Epoch(0).Single().Images.ToArray(), oldLoader.Epoch(0).Single().Images.ToArray());
    }
}
