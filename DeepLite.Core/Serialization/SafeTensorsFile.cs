using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its dimensions (empty for a scalar).</param>
/// <param name="Begin">Where its bytes begin, relative to the data (after the header).</param>
/// <param name="End">Where its bytes end (exclusive), relative to the data.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// A safetensors file read into memory and checked against the format's rules: header length inside
/// the file and at most <see cref="SafeTensors.MaxHeaderBytes"/>, a UTF-8 JSON object, known dtypes,
/// non-negative shapes whose byte size matches each tensor's offsets, offsets inside the data, and the
/// data covered exactly, without overlaps or holes. Every error names the file, the tensor and the byte
/// offset where it can.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, byte[] bytes, long dataStart, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path; _bytes = bytes; _dataStart = dataStart; Tensors = tensors; Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The entry of tensor <paramref name="name"/>; throws naming it when absent.</summary>
    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out var info) ? info
        : throw new SafeTensorsFormatException(Path, name, "no such tensor in the file");

    /// <summary>Reads and checks <paramref name="path"/>.</summary>
    public static SafeTensorsFile Open(string path)
    {
        byte[] bytes;
        if (Directory.Exists(path)) throw new IOException($"{path} is a directory, not a safetensors file.");
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new FileNotFoundException($"{path}: no such safetensors file.", path, e); }
        catch (DirectoryNotFoundException e) { throw new FileNotFoundException($"{path}: no such safetensors file (the folder does not exist).", path, e); }
        return Parse(path, bytes);
    }

    /// <summary>Checks <paramref name="bytes"/> as the content of a file named <paramref name="path"/> (used in messages).</summary>
    public static SafeTensorsFile Parse(string path, byte[] bytes)
    {
        if (bytes.Length < 8)
            throw new SafeTensorsFormatException(path, null, $"{bytes.Length} bytes is too short for a safetensors file, which starts with an 8-byte header length", 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)SafeTensors.MaxHeaderBytes)
            throw new SafeTensorsFormatException(path, null, $"header length {headerLength} exceeds the format's limit of {SafeTensors.MaxHeaderBytes} bytes", 0);
        if (headerLength < 2 || 8 + (long)headerLength > bytes.Length)
            throw new SafeTensorsFormatException(path, null, $"header length {headerLength} does not fit a file of {bytes.Length} bytes (the header must hold at least '{{}}' and end inside the file)", 0);
        long dataStart = 8 + (long)headerLength, dataLength = bytes.Length - dataStart;
        var header = bytes.AsMemory(8, (int)headerLength);
        if (header.Span[0] != (byte)'{')
            throw new SafeTensorsFormatException(path, null, $"the header must start with '{{' but starts with byte 0x{header.Span[0]:X2}", 8);

        JsonDocument document;
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(header.Span);
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (Exception e) when (e is JsonException or DecoderFallbackException)
        {
            long? at = e is JsonException j && j.BytePositionInLine is long p && j.LineNumber == 0 ? 8 + p : null;
            throw new SafeTensorsFormatException(path, null, $"the header (bytes 8 to {dataStart}) is not valid UTF-8 JSON: {e.Message}", at, e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(path, null, $"the header must be a JSON object, not {document.RootElement.ValueKind}", 8);
            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw new SafeTensorsFormatException(path, property.Name, "the header names it twice");
                if (property.Name == SafeTensors.MetadataKey) ReadMetadata(path, property.Value, metadata);
                else tensors.Add(ReadEntry(path, property.Name, property.Value, dataLength, dataStart));
            }
            CheckCoverage(path, tensors, dataLength, dataStart);
            return new SafeTensorsFile(path, bytes, dataStart, tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(path, null, $"{SafeTensors.MetadataKey} must be an object of strings, not {value.ValueKind}");
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new SafeTensorsFormatException(path, null, $"{SafeTensors.MetadataKey} entry '{entry.Name}' must be a string, not {entry.Value.ValueKind}");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ReadEntry(string path, string name, JsonElement value, long dataLength, long dataStart)
    {
        SafeTensorsFormatException Bad(string problem, long? offset = null) => new(path, name, problem, offset);
        if (value.ValueKind != JsonValueKind.Object) throw Bad($"its entry must be an object with dtype, shape and data_offsets, not {value.ValueKind}");
        if (!value.TryGetProperty("dtype", out var dtypeText) || dtypeText.ValueKind != JsonValueKind.String) throw Bad("the entry has no dtype string");
        var dtype = SafeTensorsDTypes.Parse(dtypeText.GetString()!) ?? throw Bad($"unknown dtype '{dtypeText.GetString()}' (expected one of {string.Join(", ", Enum.GetNames<SafeTensorsDType>())})");
        if (!value.TryGetProperty("shape", out var shapeArray) || shapeArray.ValueKind != JsonValueKind.Array) throw Bad("the entry has no shape array");
        var shape = new List<long>();
        foreach (var d in shapeArray.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0) throw Bad($"shape {shapeArray.GetRawText()} must hold non-negative integers");
            shape.Add(dim);
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Bad("the entry needs data_offsets [begin, end]");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Bad($"data_offsets {offsets.GetRawText()} must be two integers with 0 <= begin <= end");
        if (end > dataLength)
            throw Bad($"data_offsets [{begin}, {end}] end past the data, which holds {dataLength} bytes", dataStart + Math.Min(begin, dataLength));
        var info = new SafeTensorInfo(name, dtype, shape, begin, end);
        long count;
        try { count = shape.Aggregate(1L, (a, d) => checked(a * d)); }
        catch (OverflowException) { throw Bad($"shape {SafeTensors.Format(shape.ToArray())} has too many elements"); }
        if (count > long.MaxValue / 8 || count * dtype.ElementSize() != end - begin)
            throw Bad($"shape {SafeTensors.Format(shape.ToArray())} of {dtype} needs {count * dtype.ElementSize()} bytes but data_offsets [{begin}, {end}] span {end - begin}", dataStart + begin);
        return info;
    }

    private static void CheckCoverage(string path, List<SafeTensorInfo> tensors, long dataLength, long dataStart)
    {
        long expected = 0;
        string? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin != expected)
                throw new SafeTensorsFormatException(path, t.Name,
                    t.Begin < expected ? $"its data [{t.Begin}, {t.End}] overlaps tensor '{previous}', which ends at {expected}"
                                       : $"a hole of {t.Begin - expected} bytes precedes its data at {t.Begin} (the data must be packed)", dataStart + t.Begin);
            expected = t.End; previous = t.Name;
        }
        if (expected != dataLength)
            throw new SafeTensorsFormatException(path, null, $"{dataLength - expected} bytes after the last tensor's data are not part of any tensor", dataStart + expected);
    }

    /// <summary>Copies tensor <paramref name="name"/> into <paramref name="destination"/>, converting F16, BF16, F32 or F64 to <typeparamref name="T"/>.</summary>
    public void ReadInto<T>(string name, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var info = this[name];
        if (!info.DType.IsFloatingPoint())
            throw new SafeTensorsFormatException(Path, name, $"dtype {info.DType} cannot be loaded into a {typeof(T).Name} tensor (floating-point types only)");
        if (info.ElementCount != destination.Length)
            throw new SafeTensorsFormatException(Path, name, $"holds {info.ElementCount} values but {destination.Length} were expected");
        var bytes = _bytes.AsSpan((int)(_dataStart + info.Begin), (int)(info.End - info.Begin));
        int size = info.DType.ElementSize();
        if (BitConverter.IsLittleEndian && info.DType == SafeTensorsDTypes.Of<T>())
        {
            MemoryMarshal.Cast<byte, T>(bytes).CopyTo(destination);
            return;
        }
        for (int i = 0; i < destination.Length; i++)
        {
            var e = bytes.Slice(i * size, size);
            destination[i] = info.DType switch
            {
                SafeTensorsDType.F64 => T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(e)),
                SafeTensorsDType.F32 => T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(e)),
                SafeTensorsDType.F16 => T.CreateChecked((float)BinaryPrimitives.ReadHalfLittleEndian(e)),
                _ => T.CreateChecked(BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16)),
            };
        }
    }

    /// <summary>Reads tensor <paramref name="name"/> as a new tensor of <typeparamref name="T"/>.</summary>
    public Tensor<T> Read<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var info = this[name];
        if (info.Shape.Any(d => d > int.MaxValue) || info.ElementCount > int.MaxValue)
            throw new SafeTensorsFormatException(Path, name, $"shape {SafeTensors.Format(info.Shape.ToArray())} is too large for a DeepLite tensor");
        var tensor = new Tensor<T>(new Shape(info.Shape.Select(d => (int)d).ToArray()));
        ReadInto(name, tensor.Span);
        return tensor;
    }
}
