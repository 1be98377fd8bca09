using DeepLite.Data;

namespace DeepLite.Tests.Data;

public class ReaderTests
{
    [Fact]
    public void AGzipBombIsRefusedBeforeItFillsTheMemory()
    {
        // A valid IDX header followed by zeros up to 16 MB past the cap: about 300 KB of gzip.
        var compressed = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write([0, 0, 8, 1, 0x7f, 0xff, 0xff, 0xff]);
            var zeros = new byte[1 << 20];
            for (long written = 8; written < IdxFile.MaxDecompressedBytes + (16 << 20); written += zeros.Length) gz.Write(zeros);
        }
        compressed.Position = 0;
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.Read(compressed, "bomb-idx1-ubyte.gz"));
        Assert.Contains("bomb-idx1-ubyte.gz: the gzip content exceeds 256 MB", e.Message);
    }

    [Fact]
    public void IdxRoundTripsRawAndGzipped()
    {
        using var fx = new Fixtures();
        var contents = Fixtures.WriteIdxSet(fx.Folder, 12, 5);
        File.WriteAllBytes(Path.Combine(fx.Folder, "raw-images"), contents["train-images-idx3-ubyte"]);
        var raw = IdxFile.Read(Path.Combine(fx.Folder, "raw-images"));
        var gz = IdxFile.Read(Path.Combine(fx.Folder, "train-images-idx3-ubyte.gz"));
        Assert.Equal(new[] { 12, 28, 28 }, raw.Dimensions);
        Assert.Equal(raw.Data, gz.Data);
        Assert.Equal(contents["train-images-idx3-ubyte"].AsSpan(16).ToArray(), raw.Data);

        var ds = IdxFile.ReadDataset("t", Path.Combine(fx.Folder, "train-images-idx3-ubyte.gz"), Path.Combine(fx.Folder, "train-labels-idx1-ubyte.gz"), DatasetCatalog.Mnist.ClassNames);
        Assert.Equal(12, ds.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => i % 10), ds.Labels);
        var t = ds.ToTensor();
        Assert.Equal(new DeepLite.Tensors.Shape(12, 1, 28, 28), t.Shape);
        Assert.Equal(raw.Data[5] / 255f, t.Span[5]);
        var normalized = ds.Normalized(Normalization.Mnist).ToTensor();
        Assert.Equal((raw.Data[5] / 255f - 0.1307f) / 0.3081f, normalized.Span[5], 5);
    }

    private static DatasetFormatException Corrupt(byte[] bytes, string name = "bad.idx")
    {
        using var fx = new Fixtures();
        var path = Path.Combine(fx.Folder, name);
        File.WriteAllBytes(path, bytes);
        return Assert.Throws<DatasetFormatException>(() => IdxFile.Read(path));
    }

    [Fact]
    public void IdxCorruptionsNameTheFileTheExpectationAndTheOffset()
    {
        var (images, labels) = Fixtures.MnistLike(4, 3);
        var header = Corrupt(images[..10]);
        Assert.Contains("bad.idx", header.Message);
        Assert.Contains("header", header.Message);
        Assert.Equal(10, header.Offset);

        var body = Corrupt(images[..(images.Length - 7)]);
        Assert.Contains("truncated", body.Message);
        Assert.Contains($"{4 * 28 * 28} data bytes", body.Message);
        Assert.Equal(images.Length - 7, body.Offset);

        var wrongMagic = (byte[])images.Clone(); wrongMagic[2] = 0x0D;
        var magic = Corrupt(wrongMagic);
        Assert.Contains("magic", magic.Message);
        Assert.Equal(0, magic.Offset);

        var notGzip = Corrupt(images, "images.gz");
        Assert.Contains("gzip", notGzip.Message);

        var gz = Fixtures.Gzip(images);
        var truncatedGz = Corrupt(gz[..(gz.Length / 2)], "half.gz");
        Assert.Contains("half.gz", truncatedGz.Message);
    }

    [Fact]
    public void IdxLabelOutOfRangeIsRejectedWithItsOffset()
    {
        using var fx = new Fixtures();
        var (images, labels) = Fixtures.MnistLike(5, 3);
        labels[8 + 3] = 12;
        File.WriteAllBytes(Path.Combine(fx.Folder, "i"), images);
        File.WriteAllBytes(Path.Combine(fx.Folder, "l"), labels);
        var ex = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadDataset("t", Path.Combine(fx.Folder, "i"), Path.Combine(fx.Folder, "l"), DatasetCatalog.Mnist.ClassNames));
        Assert.Contains("found 12 for item 3", ex.Message);
        Assert.Equal(11, ex.Offset);
    }

    [Fact]
    public void CifarReadsTheArchiveAndTheFolderAlike()
    {
        using var fx = new Fixtures();
        var archive = Path.Combine(fx.Folder, "cifar-10-binary.tar.gz");
        var files = Fixtures.WriteCifarArchive(archive);
        var folder = Path.Combine(fx.Folder, "extracted", "cifar-10-batches-bin");
        Directory.CreateDirectory(folder);
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);

        var a = CifarBinary.Read(archive);
        var b = CifarBinary.Read(Path.Combine(fx.Folder, "extracted"));
        Assert.Equal(20, a.Train.Count);
        Assert.Equal(3, a.Test.Count);
        Assert.Equal(a.Train.Pixels.ToArray(), b.Train.Pixels.ToArray());
        Assert.Equal(a.Test.Labels, b.Test.Labels);
        Assert.Equal(files["data_batch_1.bin"][0], a.Train.Labels[0]);
        Assert.Equal(files["data_batch_1.bin"].AsSpan(1, 3072).ToArray(), a.Train.Pixels.Span[..3072].ToArray());
        Assert.Equal("airplane", a.Train.ClassNames[0]);
    }

    [Fact]
    public void CifarCorruptionsAreNamed()
    {
        using var fx = new Fixtures();
        var truncated = Path.Combine(fx.Folder, "t.tar.gz");
        Fixtures.WriteCifarArchive(truncated, (n, b) => n == "data_batch_3.bin" ? b[..(b.Length - 100)] : b);
        var ex = Assert.Throws<DatasetFormatException>(() => CifarBinary.Read(truncated));
        Assert.Contains("data_batch_3.bin", ex.Message);
        Assert.Contains("truncated", ex.Message);
        Assert.Equal(3 * 3073, ex.Offset);

        var badLabel = Path.Combine(fx.Folder, "l.tar.gz");
        Fixtures.WriteCifarArchive(badLabel, (n, b) => n == "test_batch.bin" ? Fixtures.CifarBatch(3, 9, badLabelAt: 2) : b);
        var lab = Assert.Throws<DatasetFormatException>(() => CifarBinary.Read(badLabel));
        Assert.Contains("found 10", lab.Message);
        Assert.Equal(2 * 3073, lab.Offset);

        var notGzip = Path.Combine(fx.Folder, "n.tar.gz");
        File.WriteAllText(notGzip, "this is not an archive");
        Assert.Contains("gzip", Assert.Throws<DatasetFormatException>(() => CifarBinary.Read(notGzip)).Message);

        var cut = Path.Combine(fx.Folder, "c.tar.gz");
        Fixtures.WriteCifarArchive(cut);
        var bytes = File.ReadAllBytes(cut);
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        Assert.Contains("c.tar.gz", Assert.ThrowsAny<IOException>(() => CifarBinary.Read(cut)).Message);

        var missing = Path.Combine(fx.Folder, "m.tar.gz");
        var only = Fixtures.WriteCifarArchive(missing);
        using (var gz = new System.IO.Compression.GZipStream(File.Create(missing), System.IO.Compression.CompressionLevel.Fastest))
        using (var tar = new System.Formats.Tar.TarWriter(gz))
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "cifar-10-batches-bin/test_batch.bin") { DataStream = new MemoryStream(only["test_batch.bin"]) });
        Assert.Contains("data_batch_1.bin", Assert.Throws<DatasetFormatException>(() => CifarBinary.Read(missing)).Message);
    }
}
