using System.Formats.Tar;
using System.IO.Compression;

namespace DeepLite.Data;

/// <summary>
/// Reads the CIFAR-10 binary layout: records of one label byte then 3,072 pixel bytes (the red, green
/// and blue 32x32 planes), in data_batch_1..5.bin (training) and test_batch.bin, either from the
/// extracted <c>cifar-10-batches-bin/</c> folder or straight from <c>cifar-10-binary.tar.gz</c>.
/// </summary>
public static class CifarBinary
{
    /// <summary>The ten class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The training batch file names, in order.</summary>
    public static IReadOnlyList<string> TrainFiles { get; } = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    /// <summary>The test batch file name.</summary>
    public const string TestFile = "test_batch.bin";

    private const int RecordSize = 1 + 3 * 32 * 32;

    /// <summary>The most records a batch file in an archive may declare (ten times the official 10,000).</summary>
    private const long MaxBatchRecords = 100_000;

    /// <summary>
    /// Reads both splits from a folder or a .tar.gz archive. <paramref name="onFile"/>, when given, sees
    /// every batch file's name and bytes before parsing (the data store checks their SHA-256 there).
    /// </summary>
    public static DatasetSplits Read(string path, Action<string, byte[]>? onFile = null, IProgress<double>? progress = null)
    {
        var files = Directory.Exists(path) ? ReadFolder(path, progress) : ReadArchive(path, progress);
        foreach (var (name, bytes) in files) onFile?.Invoke(name, bytes);
        var train = Combine("cifar10/train", TrainFiles.Select(f => (Qualified(path, f), Get(files, path, f))).ToArray());
        var test = Combine("cifar10/test", [(Qualified(path, TestFile), Get(files, path, TestFile))]);
        return new DatasetSplits(train, test, path);
    }

    private static string Qualified(string path, string file) => Path.Combine(path, "cifar-10-batches-bin", file);

    private static byte[] Get(Dictionary<string, byte[]> files, string path, string name) =>
        files.TryGetValue(name, out var bytes) ? bytes
            : throw new DatasetFormatException(Qualified(path, name), "expected this batch file, it is missing");

    private static Dictionary<string, byte[]> ReadFolder(string path, IProgress<double>? progress)
    {
        var dir = Directory.Exists(Path.Combine(path, "cifar-10-batches-bin")) ? Path.Combine(path, "cifar-10-batches-bin") : path;
        var result = new Dictionary<string, byte[]>();
        var wanted = TrainFiles.Append(TestFile).ToArray();
        for (int i = 0; i < wanted.Length; i++)
        {
            var file = Path.Combine(dir, wanted[i]);
            if (File.Exists(file)) result[wanted[i]] = File.ReadAllBytes(file);
            progress?.Report((i + 1.0) / wanted.Length);
        }
        return result;
    }

    private static Dictionary<string, byte[]> ReadArchive(string path, IProgress<double>? progress)
    {
        var result = new Dictionary<string, byte[]>();
        var wanted = TrainFiles.Append(TestFile).ToHashSet();
        try
        {
            using var file = File.OpenRead(path);
            var magic = new byte[2];
            if (file.Read(magic, 0, 2) < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
                throw new DatasetFormatException(path, $"expected a gzip-compressed tar archive (magic 1f 8b), found {magic[0]:x2} {magic[1]:x2}", 0);
            file.Position = 0;
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                var name = Path.GetFileName(entry.Name);
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !wanted.Contains(name) || entry.DataStream is null) continue;
                // The header's size is the archive's word, not a buffer to allocate: a 3 GB claim once overflowed the
                // int capacity (found by fuzzing). A batch file is 10,000 records; far more is not CIFAR-10.
                if (entry.Length > MaxBatchRecords * RecordSize)
                    throw new DatasetFormatException($"{path}!{entry.Name}", $"the archive declares {entry.Length:N0} bytes for it; a CIFAR-10 batch file holds 10,000 records of {RecordSize} bytes ({10_000L * RecordSize:N0} bytes), and more than {MaxBatchRecords:N0} is refused");
                var buffer = new MemoryStream((int)Math.Min(entry.Length, 1 << 20));
                entry.DataStream.CopyTo(buffer);
                if (buffer.Length != entry.Length)
                    throw new DatasetFormatException($"{path}!{entry.Name}", $"expected {entry.Length} bytes, the archive ends after {buffer.Length}", buffer.Length);
                result[name] = buffer.ToArray();
                progress?.Report((double)file.Position / file.Length);
            }
        }
        // TarReader throws OverflowException for a header number too large for its field (found by fuzzing).
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or OverflowException)
        {
            throw new DatasetFormatException(path, $"the archive is corrupt or truncated ({e.Message})", null, e);
        }
        return result;
    }

    /// <summary>Parses the records of one or more batch files into a dataset.</summary>
    public static ImageDataset Combine(string name, (string File, byte[] Bytes)[] batches)
    {
        long total = 0;
        foreach (var (file, bytes) in batches)
        {
            if (bytes.Length % RecordSize != 0)
                throw new DatasetFormatException(file, $"expected whole {RecordSize}-byte records, found {bytes.Length} bytes ({bytes.Length / RecordSize} records and {bytes.Length % RecordSize} bytes over: truncated)", bytes.Length / RecordSize * RecordSize);
            total += bytes.Length / RecordSize;
        }
        var labels = new int[total];
        var pixels = new byte[total * (RecordSize - 1)];
        int n = 0;
        foreach (var (file, bytes) in batches)
        {
            for (int r = 0; r < bytes.Length / RecordSize; r++, n++)
            {
                int label = bytes[r * RecordSize];
                if (label >= ClassNames.Count)
                    throw new DatasetFormatException(file, $"expected a label 0..9 for record {r}, found {label}", (long)r * RecordSize);
                labels[n] = label;
                Buffer.BlockCopy(bytes, r * RecordSize + 1, pixels, n * (RecordSize - 1), RecordSize - 1);
            }
        }
        return new ImageDataset(name, pixels, labels, 3, 32, 32, ClassNames);
    }
}
