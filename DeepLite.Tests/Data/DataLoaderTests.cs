using DeepLite.Data;

namespace DeepLite.Tests.Data;

public class DataLoaderTests
{
    private static ImageDataset Dataset(int n = 23)
    {
        var pixels = new byte[n * 4];
        for (int i = 0; i < n; i++) pixels[i * 4] = (byte)i; // first pixel of image i is i
        return new ImageDataset("toy", pixels, Enumerable.Range(0, n).Select(i => i % 3).ToArray(), 1, 2, 2, ["a", "b", "c"]);
    }

    private static List<int[]> Ids(DataLoader loader, int epoch) =>
        loader.Epoch(epoch).Select(b => Enumerable.Range(0, b.Count).Select(i => (int)Math.Round(b.Images[i, 0, 0, 0] * 255)).ToArray()).ToList();

    [Fact]
    public void TheSameSeedGivesTheSameOrderAndEpochsDiffer()
    {
        var ds = Dataset();
        var a = Ids(new DataLoader(ds, 5, shuffle: true, seed: 9), 0);
        var b = Ids(new DataLoader(ds, 5, shuffle: true, seed: 9), 0);
        var c = Ids(new DataLoader(ds, 5, shuffle: true, seed: 10), 0);
        var e1 = Ids(new DataLoader(ds, 5, shuffle: true, seed: 9), 1);
        Assert.Equal(a, b);
        Assert.NotEqual(a.SelectMany(x => x), c.SelectMany(x => x));
        Assert.NotEqual(a.SelectMany(x => x), e1.SelectMany(x => x));
        Assert.Equal(Enumerable.Range(0, 23), a.SelectMany(x => x).Order());
    }

    [Fact]
    public void BatchSizesAndDropLast()
    {
        var ds = Dataset();
        Assert.Equal(new[] { 5, 5, 5, 5, 3 }, new DataLoader(ds, 5, shuffle: false).Epoch(0).Select(b => b.Count).ToArray());
        Assert.Equal(new[] { 5, 5, 5, 5 }, new DataLoader(ds, 5, dropLast: true).Epoch(0).Select(b => b.Count).ToArray());
        var ordered = Ids(new DataLoader(ds, 5, shuffle: false), 0).SelectMany(x => x);
        Assert.Equal(Enumerable.Range(0, 23), ordered);
    }

    [Fact]
    public void LabelsFollowTheirImages()
    {
        var ds = Dataset();
        foreach (var batch in new DataLoader(ds, 4, seed: 3).Epoch(2))
            for (int i = 0; i < batch.Count; i++)
                Assert.Equal((int)Math.Round(batch.Images[i, 0, 0, 0] * 255) % 3, batch.Labels[i]);
    }

    [Fact]
    public void BuffersAreReusedAcrossBatches()
    {
        var loader = new DataLoader(Dataset(20), 5);
        var images = loader.Epoch(0).Select(b => b.Images).Distinct().ToList();
        Assert.Single(images);
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var _ in loader.Epoch(1)) { }
        foreach (var _ in loader.Epoch(2)) { }
        // Two epochs of four batches: only the enumerators themselves (a few hundred bytes).
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2000);
    }

    [Fact]
    public void SubsetsAndLabelPermutation()
    {
        var ds = Dataset(30);
        Assert.Equal(7, ds.Take(7).Count);
        // Take and Slice are views: the same bytes, not a copy; their images and labels are the range's.
        var slice = ds.Slice(10, 5);
        Assert.True(ds.Pixels.Span.Slice(10 * ds.ImageSize, 5 * ds.ImageSize) == slice.Pixels.Span);
        Assert.True(ds.Pixels.Span[..(7 * ds.ImageSize)] == ds.Take(7).Pixels.Span);
        Assert.Equal(ds.Labels[10..15], slice.Labels);
        var second = new float[slice.ImageSize * 2];
        slice.WriteImages([1, 4], second);
        var direct = new float[slice.ImageSize * 2];
        ds.WriteImages([11, 14], direct);
        Assert.Equal(direct, second);
        Assert.Equal(ds.Slice(12, 3).Labels, slice.Slice(2, 3).Labels);
        Assert.True(ds.Slice(12, 3).Pixels.Span == slice.Slice(2, 3).Pixels.Span);
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Slice(28, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.Slice(-1, 3));
        var s1 = ds.SamplePerClass(4, seed: 5);
        var s2 = ds.SamplePerClass(4, seed: 5);
        Assert.Equal(new[] { 4, 4, 4 }, s1.ClassCounts());
        Assert.Equal(s1.Pixels.ToArray(), s2.Pixels.ToArray());
        Assert.NotEqual(s1.Pixels.ToArray(), ds.SamplePerClass(4, seed: 6).Pixels.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.SamplePerClass(11, 0));

        var p1 = ds.WithPermutedLabels(1);
        Assert.Equal(p1.Labels, ds.WithPermutedLabels(1).Labels);
        Assert.NotEqual(ds.Labels, p1.Labels);
        Assert.Equal(ds.ClassCounts(), p1.ClassCounts());
        Assert.True(ds.Pixels.Span == p1.Pixels.Span);
    }

    [Fact]
    public void ABatchConvertedOnBothCoresHasTheSequentialValues()
    {
        var pixels = new byte[300 * 784];
        new Random(5).NextBytes(pixels);
        var data = new ImageDataset("noise", pixels, Enumerable.Range(0, 300).Select(i => i % 10).ToArray(), 1, 28, 28, Enumerable.Range(0, 10).Select(i => $"{i}").ToArray());
        var normalized = data.Normalized(Normalization.Mnist);
        var loader = new DataLoader(normalized, 128, shuffle: true, seed: 9); // 100K pixels a batch: split
        foreach (var batch in loader.Epoch(2))
        {
            var order = loader.Order(2).AsSpan(batch.Index * 128, batch.Count);
            var expected = new float[batch.Count * 784];
            normalized.WriteImages(order, expected);
            Assert.Equal(expected, batch.Images.ToArray());
        }
    }
}
