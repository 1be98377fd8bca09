using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>
/// Writes the safetensors format (Hugging Face's): an 8-byte little-endian header length, a UTF-8 JSON
/// header mapping each tensor name to its <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> (begin, end
/// relative to the data), an optional <c>__metadata__</c> map of strings, then the little-endian data,
/// packed in order with no holes. PyTorch's <c>safetensors.torch.load_file</c> reads what this writes.
/// Read files with <see cref="SafeTensorsFile.Open"/>.
/// </summary>
public static class SafeTensors
{
    /// <summary>The header key of the string-to-string metadata map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header the reader accepts (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes <paramref name="tensors"/> (names must be unique and not empty) and <paramref name="metadata"/>
    /// to <paramref name="path"/> through a temporary file and a rename.
    /// </summary>
    public static void Save<T>(string path, IEnumerable<(string Name, Tensor<T> Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Save(path, tensors.Select(t => Entry<T>.Of(t.Name, t.Tensor)).ToList(), metadata);

    /// <summary>One tensor to write: its name, shape and row-major values.</summary>
    internal readonly record struct Entry<T>(string Name, int[] Shape, ReadOnlyMemory<T> Values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>A tensor's values, without copying them.</summary>
        public static Entry<T> Of(string name, Tensor<T> tensor) => new(name, tensor.Shape.ToArray(), tensor.Buffer.AsMemory(tensor.Offset, tensor.Size));
    }

    internal static void Save<T>(string path, IReadOnlyList<Entry<T>> entries, IReadOnlyDictionary<string, string>? metadata)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dtype = SafeTensorsDTypes.Of<T>();
        int size = dtype.ElementSize();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (string.IsNullOrEmpty(e.Name) || e.Name == MetadataKey) throw new ArgumentException($"'{e.Name}' cannot name a tensor in a safetensors file.");
            if (!names.Add(e.Name)) throw new ArgumentException($"Two tensors are named '{e.Name}'.");
            long count = e.Shape.Aggregate(1L, (a, d) => a * d);
            if (count != e.Values.Length) throw new ArgumentException($"Tensor '{e.Name}': shape [{string.Join(", ", e.Shape)}] has {count} elements but {e.Values.Length} values were given.");
        }
        var header = Header(entries, metadata, dtype);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            var chunk = new byte[1 << 16];
            foreach (var e in entries)
                for (int start = 0; start < e.Values.Length; start += chunk.Length / size)
                {
                    var part = e.Values.Span.Slice(start, Math.Min(chunk.Length / size, e.Values.Length - start));
                    WriteLittleEndian(part, chunk);
                    stream.Write(chunk, 0, part.Length * size);
                }
        });
    }

    private static byte[] Header<T>(IReadOnlyList<Entry<T>> entries, IReadOnlyDictionary<string, string>? metadata, SafeTensorsDType dtype)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var e in entries)
            {
                long bytes = (long)e.Values.Length * dtype.ElementSize();
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", dtype.ToString());
                json.WriteStartArray("shape");
                foreach (var d in e.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // The format allows trailing spaces in the header; padding to 8 bytes aligns the data for readers that map it.
        int padded = (int)((buffer.Length + 8 + 7) / 8 * 8 - 8);
        while (buffer.Length < padded) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteLittleEndian<T>(ReadOnlySpan<T> values, Span<byte> destination) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(destination);
        if (!BitConverter.IsLittleEndian) ReverseElements(destination[..bytes.Length], System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
    }

    /// <summary>Swaps the byte order of each <paramref name="size"/>-byte element in place (big-endian hosts only).</summary>
    internal static void ReverseElements(Span<byte> bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }

    /// <summary>Text of a shape as the header writes it, for messages.</summary>
    internal static string Format(ReadOnlySpan<long> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++) sb.Append(i > 0 ? ", " : "").Append(shape[i]);
        return sb.Append(']').ToString();
    }
}
