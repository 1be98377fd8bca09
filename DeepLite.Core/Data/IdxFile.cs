using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepLite.Data;

/// <summary>
/// Reads IDX files (the MNIST and Fashion-MNIST format), raw or gzipped: a big-endian header
/// (two zero bytes, a type code, the number of dimensions, then each dimension as a 32-bit integer)
/// followed by the unsigned bytes.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>The dimensions and data of one IDX file.</summary>
    public sealed record Content(int[] Dimensions, byte[] Data);

    /// <summary>Reads a file; a name ending in .gz must be gzip, other files may be either (detected by the gzip magic).</summary>
    public static Content Read(string path)
    {
        using var file = File.OpenRead(path);
        return Read(file, path);
    }

    /// <summary>Reads IDX content from a stream; <paramref name="name"/> names it in errors.</summary>
    public static Content Read(Stream stream, string name)
    {
        var bytes = ReadAllMaybeGzip(stream, name);
        return Parse(bytes, name);
    }

    /// <summary>The decompressed bytes of a stream that may be gzipped.</summary>
    internal static byte[] ReadAllMaybeGzip(Stream stream, string name)
    {
        var raw = new MemoryStream();
        stream.CopyTo(raw);
        var bytes = raw.ToArray();
        bool gzipMagic = bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && !gzipMagic)
            throw new DatasetFormatException(name, $"expected a gzip file (magic 1f 8b), found {(bytes.Length >= 2 ? $"{bytes[0]:x2} {bytes[1]:x2}" : $"{bytes.Length} bytes")}", 0);
        if (!gzipMagic) return bytes;
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            var output = new MemoryStream();
            // Copied in blocks up to a cap: a few kilobytes of gzip can expand to gigabytes (a "bomb"), and nothing in
            // the compressed bytes says how large the content is. MNIST's largest file is 47 MB.
            var block = new byte[1 << 16];
            int read;
            while ((read = gz.Read(block)) > 0)
            {
                if (output.Length + read > MaxDecompressedBytes)
                    throw new DatasetFormatException(name, $"the gzip content exceeds {MaxDecompressedBytes / (1 << 20)} MB, more than any IDX file this reader takes (MNIST's largest is 47 MB)", null);
                output.Write(block, 0, read);
            }
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException and not DatasetFormatException)
        {
            throw new DatasetFormatException(name, $"the gzip stream is corrupt or truncated ({e.Message})", null, e);
        }
    }

    /// <summary>The most bytes a gzipped IDX file may decompress to.</summary>
    internal const long MaxDecompressedBytes = 1L << 28;

    /// <summary>Parses IDX bytes (already decompressed).</summary>
    public static Content Parse(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 4) throw new DatasetFormatException(name, $"expected a 4-byte IDX magic number, found only {bytes.Length} bytes", 0);
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByte)
            throw new DatasetFormatException(name, $"expected an IDX magic number 00 00 08 xx (unsigned bytes), found {bytes[0]:x2} {bytes[1]:x2} {bytes[2]:x2} {bytes[3]:x2}", 0);
        int rank = bytes[3];
        if (rank == 0) throw new DatasetFormatException(name, "the IDX header declares 0 dimensions", 3);
        int header = 4 + 4 * rank;
        if (bytes.Length < header) throw new DatasetFormatException(name, $"expected a {header}-byte header for {rank} dimensions, the file ends after {bytes.Length} bytes", bytes.Length);
        var dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(4 + 4 * i));
            if (d > int.MaxValue) throw new DatasetFormatException(name, $"dimension {i} is {d}, too large", 4 + 4 * i);
            dims[i] = (int)d;
            size *= d;
        }
        long actual = bytes.Length - header;
        if (actual != size)
            throw new DatasetFormatException(name,
                $"the header declares {string.Join(" x ", dims)} = {size} data bytes, the file has {actual}" + (actual < size ? " (truncated)" : " (trailing bytes)"),
                actual < size ? bytes.Length : header + size);
        return new Content(dims, bytes.Slice(header).ToArray());
    }

    /// <summary>Reads an images file (N x H x W) and its labels file into a dataset; checks counts and label range.</summary>
    public static ImageDataset ReadDataset(string name, string imagesPath, string labelsPath, IReadOnlyList<string> classNames) =>
        ToDataset(name, Read(imagesPath), imagesPath, Read(labelsPath), labelsPath, classNames);

    internal static ImageDataset ToDataset(string name, Content images, string imagesName, Content labels, string labelsName, IReadOnlyList<string> classNames)
    {
        if (images.Dimensions.Length != 3) throw new DatasetFormatException(imagesName, $"expected 3 dimensions (N x H x W), found {images.Dimensions.Length}", 3);
        if (labels.Dimensions.Length != 1) throw new DatasetFormatException(labelsName, $"expected 1 dimension (N), found {labels.Dimensions.Length}", 3);
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DatasetFormatException(labelsName, $"expected {images.Dimensions[0]} labels to match {imagesName}, found {labels.Dimensions[0]}", 4);
        int header = 8;
        var ls = new int[labels.Data.Length];
        for (int i = 0; i < ls.Length; i++)
        {
            ls[i] = labels.Data[i];
            if (ls[i] >= classNames.Count)
                throw new DatasetFormatException(labelsName, $"expected labels 0..{classNames.Count - 1}, found {ls[i]} for item {i}", header + i);
        }
        return new ImageDataset(name, images.Data, ls, 1, images.Dimensions[1], images.Dimensions[2], classNames);
    }
}
