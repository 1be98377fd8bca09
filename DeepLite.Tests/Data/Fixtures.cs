using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using DeepLite.Data;

namespace DeepLite.Tests.Data;

/// <summary>Small IDX and CIFAR files written by the tests themselves (never ../shared).</summary>
public sealed class Fixtures : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("deeplite-test-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }

    public static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08; bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static (byte[] Images, byte[] Labels) MnistLike(int n, int seed)
    {
        var r = new Random(seed);
        var pixels = new byte[n * 28 * 28];
        r.NextBytes(pixels);
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        return (Idx([n, 28, 28], pixels), Idx([n], labels));
    }

    /// <summary>Writes the four gzipped MNIST-like files into <paramref name="folder"/>; returns the uncompressed contents by name.</summary>
    public static Dictionary<string, byte[]> WriteIdxSet(string folder, int trainCount = 30, int testCount = 20)
    {
        Directory.CreateDirectory(folder);
        var (trImg, trLab) = MnistLike(trainCount, 1);
        var (teImg, teLab) = MnistLike(testCount, 2);
        var files = new Dictionary<string, byte[]>
        {
            ["train-images-idx3-ubyte"] = trImg, ["train-labels-idx1-ubyte"] = trLab,
            ["t10k-images-idx3-ubyte"] = teImg, ["t10k-labels-idx1-ubyte"] = teLab,
        };
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name + ".gz"), Gzip(bytes));
        return files;
    }

    public static byte[] CifarBatch(int records, int seed, int? badLabelAt = null)
    {
        var r = new Random(seed);
        var bytes = new byte[records * 3073];
        r.NextBytes(bytes);
        for (int i = 0; i < records; i++) bytes[i * 3073] = (byte)(i == badLabelAt ? 10 : (i + seed) % 10);
        return bytes;
    }

    /// <summary>Writes a CIFAR-10 binary archive (5 train batches of 4 records, a test batch of 3); returns the batch contents.</summary>
    public static Dictionary<string, byte[]> WriteCifarArchive(string path, Func<string, byte[], byte[]>? tamper = null)
    {
        var files = new Dictionary<string, byte[]>();
        for (int b = 1; b <= 5; b++) files[$"data_batch_{b}.bin"] = CifarBatch(4, b);
        files["test_batch.bin"] = CifarBatch(3, 9);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gz, TarEntryFormat.Pax);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "cifar-10-batches-bin/"));
        foreach (var (name, bytes) in files)
        {
            var data = tamper?.Invoke(name, bytes) ?? bytes;
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "cifar-10-batches-bin/" + name) { DataStream = new MemoryStream(data) });
        }
        return files;
    }

    public static string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    /// <summary>A catalog entry pinning the given contents, downloadable from <paramref name="baseUrls"/>.</summary>
    public static DatasetDefinition IdxDefinition(Dictionary<string, byte[]> contents, params string[] baseUrls) =>
        new("tiny", DatasetFormat.Idx, contents.Keys.Select(k => k + ".gz").ToList(), baseUrls,
            [new("test fixture", contents.ToDictionary(kv => kv.Key, kv => Sha(kv.Value)))],
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], []);
}
