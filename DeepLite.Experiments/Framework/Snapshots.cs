using System.Buffers.Binary;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Parameter snapshots stored beside a run's points (little-endian: count, length, then float32 values),
/// written atomically, so charts that need weights (PCA of trajectories) can be redrawn after a resume.
/// </summary>
public static class Snapshots
{
    public static void Write(string path, IReadOnlyList<float[]> vectors)
    {
        int length = vectors.Count == 0 ? 0 : vectors[0].Length;
        AtomicFile.Write(path, stream =>
        {
            var header = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(header, vectors.Count);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), length);
            stream.Write(header);
            var buffer = new byte[length * 4];
            foreach (var v in vectors)
            {
                if (v.Length != length) throw new ArgumentException($"Snapshots of different lengths ({v.Length} and {length}) in {path}.");
                for (int i = 0; i < length; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), v[i]);
                stream.Write(buffer);
            }
        });
    }

    public static List<float[]> Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8) throw new InvalidDataException($"{path}: expected an 8-byte header, found {bytes.Length} bytes.");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes), length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        long expected = 8 + 4L * count * length;
        if (count < 0 || length < 0 || bytes.Length != expected)
            throw new InvalidDataException($"{path}: the header declares {count} snapshots of {length} values ({expected} bytes), the file has {bytes.Length}.");
        var result = new List<float[]>(count);
        for (int c = 0; c < count; c++)
        {
            var v = new float[length];
            for (int i = 0; i < length; i++) v[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + 4 * (c * length + i)));
            result.Add(v);
        }
        return result;
    }
}
