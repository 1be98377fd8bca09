using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;

namespace DeepLite.Fuzz;

/// <summary>
/// Small valid inputs for every target, made by the library's own writers (or to the format's specification where the
/// library only reads): the seeds AFL++ mutates, and inputs the tests require every target to accept.
/// </summary>
public static class SeedCorpus
{
    /// <summary>Each target's seed files by name.</summary>
    public static IEnumerable<(string Target, IReadOnlyList<(string Name, byte[] Bytes)> Files)> Files()
    {
        using var scratch = new FuzzTargets.Scratch();
        var random = new SeededRandom(11);
        var model = new Sequential<float>(new Dense<float>(4, 3, random), new Relu<float>(), new Dense<float>(3, 2, random));

        var tensors = scratch.File("tensors.safetensors", []);
        SafeTensors.Save(tensors, [("a", Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3)), ("b", Tensor.FromArray(new float[] { -1 }, 1))],
            new Dictionary<string, string> { ["note"] = "seed" });
        var doubles = scratch.File("doubles.safetensors", []);
        SafeTensors.Save(doubles, [("x", Tensor.FromArray(new double[] { 0.5, 0.25 }, 2))]);
        yield return ("safetensors", [("floats.safetensors", File.ReadAllBytes(tensors)), ("doubles.safetensors", File.ReadAllBytes(doubles))]);

        var weights = scratch.File("weights.safetensors", []);
        model.SaveWeights(weights);
        yield return ("weights", [("model.safetensors", File.ReadAllBytes(weights))]);

        var optimizer = new Adam<float>(model.Parameters());
        foreach (var p in model.Parameters()) p.Grad = Tensor<float>.Ones(p.Shape.Dims.ToArray());
        optimizer.Step();
        var checkpoint = scratch.File("checkpoint.safetensors", []);
        Checkpoint.Save(checkpoint, model, optimizer, 2, new SeededRandom(5));
        yield return ("checkpoint", [("adam-epoch-2.safetensors", File.ReadAllBytes(checkpoint))]);

        byte[] images = Idx([3, 2, 2], [0, 255, 128, 7, 1, 2, 3, 4, 9, 8, 7, 6]), labels = Idx([3], [1, 0, 9]);
        yield return ("idx", [("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)]);
        yield return ("idx-gz", [("images-idx3-ubyte.gz", Gzip(images)), ("labels-idx1-ubyte.gz", Gzip(labels))]);
        // The mnist target reads a 4-byte little-endian length, then that many bytes of images, then the labels.
        var pair = new byte[4 + images.Length + labels.Length];
        BinaryPrimitives.WriteInt32LittleEndian(pair, images.Length);
        images.CopyTo(pair, 4);
        labels.CopyTo(pair, 4 + images.Length);
        yield return ("mnist", [("images-and-labels", pair)]);

        var record = new byte[2 * 3073];
        for (int i = 0; i < record.Length; i++) record[i] = (byte)(i * 31 % 256);
        record[0] = 3; record[3073] = 8; // the labels
        yield return ("cifar-bin", [("two-records.bin", record)]);
        yield return ("cifar-tar-gz", [("cifar-10-binary.tar.gz", CifarArchive(record[..3073]))]);

        yield return ("text", [("shakespeare.txt", Encoding.UTF8.GetBytes("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n"))]);

        var csv = "run,x_name,x,metric,value\nmlp,epoch,1,train_loss,2.25\nmlp,epoch,1,\"test, accuracy\",0.125\nmlp,epoch,2,train_loss,NaN\n";
        yield return ("run-csv", [("points.csv", Encoding.UTF8.GetBytes(csv))]);

        var experiment = ExperimentRegistry.Find("hw1-3-1")!;
        var configuration = new RunConfiguration { Preset = Preset.Quick, Seed = 1 };
        var now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var stored = new RunRecord("unit", configuration.RunSeed("unit"), now, now.AddSeconds(3), 3, configuration.RunKey(experiment, "unit"), "node1", 2, 2,
            new MemoryPeaks(1 << 28, true, 1 << 27, 1 << 20));
        yield return ("run-record", [("unit.json", JsonSerializer.SerializeToUtf8Bytes(stored, Json.Options))]);
        yield return ("owner", [("owner.txt", Encoding.UTF8.GetBytes(configuration.Fingerprint(experiment))), ("other.txt", Encoding.UTF8.GetBytes("seed 2, preset full, settings 0123456789abcdef"))]);

        var manifest = new Dictionary<string, object?>
        {
            ["experiment"] = experiment.Id, ["preset"] = "quick", ["seed"] = 1, ["settings"] = configuration.Settings(experiment),
            ["totalRunSeconds"] = 12.5, ["runs"] = new[] { stored },
        };
        yield return ("manifest", [("manifest.json", JsonSerializer.SerializeToUtf8Bytes(manifest, Json.Options))]);

        var results = scratch.Folder("results");
        var context = new ExperimentContext { OutputRoot = results, Configuration = configuration, CheckpointInterval = TimeSpan.Zero };
        var runCheckpoint = context.Checkpoint(experiment, "unit");
        Directory.CreateDirectory(Path.GetDirectoryName(runCheckpoint.Path)!);
        runCheckpoint.Points.Add(new Measurement("unit", "epoch", 1, "train_loss", 0.75));
        var sgd = new Sgd<float>(model.Parameters(), 0.1, momentum: 0.9);
        sgd.Step();
        runCheckpoint.EpochFinished(model, sgd, 1);
        yield return ("run-checkpoint", [("unit.checkpoint.safetensors", File.ReadAllBytes(runCheckpoint.Path))]);
    }

    /// <summary>An IDX file of unsigned bytes: magic 00 00 08 rank, the dimensions big-endian, the data.</summary>
    private static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08; bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(bytes);
        return output.ToArray();
    }

    /// <summary>cifar-10-binary.tar.gz's layout with one record in every batch file.</summary>
    private static byte[] CifarArchive(byte[] record)
    {
        var tarBytes = new MemoryStream();
        using (var tar = new TarWriter(tarBytes, TarEntryFormat.Ustar, leaveOpen: true))
            foreach (var name in DeepLite.Data.CifarBinary.TrainFiles.Append(DeepLite.Data.CifarBinary.TestFile))
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"cifar-10-batches-bin/{name}") { DataStream = new MemoryStream(record), ModificationTime = new DateTimeOffset(2009, 6, 4, 0, 0, 0, TimeSpan.Zero) });
        return Gzip(tarBytes.ToArray());
    }
}
