using System.Buffers.Binary;
using System.Text;
using DeepLite.Layers;
using DeepLite.Serialization;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DeepLite.Tests.Serialization;

/// <summary>The safetensors reader and writer against the format's specification, written out byte by byte.</summary>
public sealed class SafeTensorsFormatTests : IDisposable
{
    private readonly Data.Fixtures _temp = new();

    public void Dispose() => _temp.Dispose();

    private string PathOf(string name) => Path.Combine(_temp.Folder, name);

    /// <summary>A file as the specification lays it out: u64 little-endian header size, the JSON header, the data.</summary>
    private static byte[] FileBytes(string header, params byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    [Fact]
    public void ReadsAFileWrittenByHandFromTheSpecification()
    {
        // "a": F32 [2] = {1.0, -2.5}; "b": F64 scalar = 0.5; "c": F16 [1] = 1.0; "d": BF16 [1] = -2.0;
        // bytes are IEEE 754 little-endian: 1.0f = 00 00 80 3F, -2.5f = 00 00 20 C0, 0.5 = 00..00 E0 3F,
        // half 1.0 = 0x3C00, bfloat16 -2.0 = 0xC000 (the upper half of -2.0f = 0xC0000000).
        var header = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[],"data_offsets":[8,16]},"c":{"dtype":"F16","shape":[1],"data_offsets":[16,18]},"d":{"dtype":"BF16","shape":[1],"data_offsets":[18,20]}}""";
        var bytes = FileBytes(header,
            0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xE0, 0x3F,
            0x00, 0x3C,
            0x00, 0xC0);
        var file = SafeTensorsFile.Parse("hand.safetensors", bytes);

        Assert.Equal(["a", "b", "c", "d"], file.Tensors.Select(t => t.Name));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(new float[] { 1.0f, -2.5f }, file.Read<float>("a").ToArray());
        Assert.Equal(new long[] { 2 }, file["a"].Shape);
        var b = file.Read<double>("b");
        Assert.Equal(0, b.Rank);
        Assert.Equal(0.5, b.Item());
        Assert.Equal(1.0f, file.Read<float>("c").Item());
        Assert.Equal(-2.0, file.Read<double>("d").Item());
        Assert.Equal(SafeTensorsDType.BF16, file["d"].DType);
    }

    [Fact]
    public void WritesExactlyTheBytesTheSpecificationDescribes()
    {
        var model = new Dense<float>(2, 1, new SeededRandom(1));
        Tensor.FromArray(new float[] { 1.0f, -2.5f }, 1, 2).Span.CopyTo(model.NamedParameters().Single(p => p.Name == "weight").Parameter.Span);
        model.NamedParameters().Single(p => p.Name == "bias").Parameter.Span[0] = 0.5f;
        var path = PathOf("dense.safetensors");
        model.SaveWeights(path, new Dictionary<string, string> { ["note"] = "x" });

        // Header: metadata first, then the parameters in module order; padded with spaces so the data starts at a multiple of 8.
        var json = """{"__metadata__":{"note":"x"},"weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""";
        json += new string(' ', (8 - (8 + json.Length) % 8) % 8);
        var expected = FileBytes(json, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0, 0x00, 0x00, 0x00, 0x3F);
        Assert.Equal(expected, File.ReadAllBytes(path));
        Assert.Empty(Directory.GetFiles(_temp.Folder, "*.tmp"));
    }

    public static IEnumerable<object[]> CorruptFiles()
    {
        const string good = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        byte[] eight = new byte[8];
        // name, bytes, text the message must contain, tensor named (or null), offset (or null)
        yield return ["too short", new byte[] { 1, 0, 0 }, "too short", null!, 0L];
        yield return ["length past end", Patch(FileBytes(good, eight), 0, 0xFF), "does not fit", null!, 0L];
        yield return ["huge length", Patch(FileBytes(good, eight), 7, 0x7F), "exceeds", null!, 0L];
        yield return ["not an object", FileBytes("[1,2]     ", eight), "start with '{'", null!, 8L];
        yield return ["not json", FileBytes("{\"w\": nope}", eight), "not valid UTF-8 JSON", null!, null!];
        yield return ["bad utf8", Patch(FileBytes("{\"w\":{}}", eight), 10, 0xFF), "not valid UTF-8 JSON", null!, null!];
        yield return ["unknown dtype", FileBytes("""{"w":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}}""", eight), "unknown dtype 'F8'", "w", null!];
        yield return ["negative dim", FileBytes("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", eight), "non-negative", "w", null!];
        yield return ["size mismatch", FileBytes("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", eight), "needs 12 bytes", "w", null!];
        yield return ["past the data", FileBytes("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", eight), "end past the data", "w", null!];
        yield return ["reversed offsets", FileBytes("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", eight), "begin <= end", "w", null!];
        yield return ["overlap", FileBytes("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight), "overlaps tensor 'a'", "b", null!];
        yield return ["hole", FileBytes("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight), "hole of 4 bytes", "a", null!];
        yield return ["trailing bytes", FileBytes(good, new byte[12]), "4 bytes after the last tensor", null!, null!];
        yield return ["duplicate", FileBytes("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", eight), "names it twice", "w", null!];
        yield return ["metadata not strings", FileBytes("""{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", eight), "must be a string", null!, null!];
        yield return ["no offsets", FileBytes("""{"w":{"dtype":"F32","shape":[2]}}""", eight), "data_offsets", "w", null!];
    }

    private static byte[] Patch(byte[] bytes, int at, byte value)
    {
        bytes[at] = value;
        return bytes;
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptFilesAreRejectedWithMessagesThatNameTheProblem(string name, byte[] bytes, string problem, string? tensor, long? offset)
    {
        var path = PathOf(name.Replace(' ', '-') + ".safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(problem, error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(tensor, error.Tensor);
        if (tensor is not null) Assert.Contains($"'{tensor}'", error.Message);
        if (offset is not null) Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void IntegerTensorsAreValidatedButNotLoadedAsFloats()
    {
        var file = SafeTensorsFile.Parse("ints", FileBytes("""{"steps":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8]));
        var error = Assert.Throws<SafeTensorsFormatException>(() => file.Read<float>("steps"));
        Assert.Contains("I64", error.Message);
        Assert.Equal("steps", error.Tensor);
    }

    [Fact]
    public void AFailedSaveLeavesTheOldFileAndNoTemporaryFile()
    {
        var path = PathOf("keep.safetensors");
        File.WriteAllText(path, "old");
        var t = Tensor.FromArray(new float[] { 1, 2 }, 2);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [("x", t), ("x", t)]));
        Assert.Throws<InvalidOperationException>(() => SafeTensors.Save(path, Failing(t)));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_temp.Folder));
    }

    private static IEnumerable<(string, Tensor<float>)> Failing(Tensor<float> t)
    {
        yield return ("a", t);
        throw new InvalidOperationException("stopped while listing tensors");
    }

    /// <summary>Random tensors (rank 0..3, dimensions 0..4, any float bits) survive a write and a read exactly.</summary>
    [Property(MaxTest = 40)]
    public Property RoundTripsAnyTensors()
    {
        var shape = from rank in Gen.Choose(0, 3) from dims in Gen.ArrayOf(Gen.Choose(0, 4), rank) select dims;
        var shapes = from count in Gen.Choose(0, 5) from list in Gen.ArrayOf(shape, count) select list;
        return Prop.ForAll(shapes.ToArbitrary(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (int[][] shapeList, int seed) =>
        {
            var random = new SeededRandom(seed);
            var tensors = shapeList.Select((s, i) =>
            {
                var t = new Tensor<double>(new Shape(s));
                for (int j = 0; j < t.Size; j++) t.Span[j] = BitConverter.UInt64BitsToDouble(random.NextUInt64()) is var v && double.IsNaN(v) ? 0 : v;
                return ($"t{i}.w", t);
            }).ToList();
            var path = PathOf($"prop-{seed}.safetensors");
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["seed"] = seed.ToString() });
            var file = SafeTensorsFile.Open(path);
            File.Delete(path);
            return file.Metadata["seed"] == seed.ToString()
                && file.Tensors.Select(t => t.Name).SequenceEqual(tensors.Select(t => t.Item1))
                && tensors.All(t => file.Read<double>(t.Item1).Shape == t.Item2.Shape && file.Read<double>(t.Item1).ToArray().SequenceEqual(t.Item2.ToArray()));
        });
    }
}
