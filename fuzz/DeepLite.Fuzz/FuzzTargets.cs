using System.Text;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;

namespace DeepLite.Fuzz;

/// <summary>
/// Every reader of bytes from outside the process, as a fuzz target: bytes in, and the reader either accepts them or
/// refuses them with one of its documented exceptions (<see cref="IsDocumented"/>). Anything else escaping a target
/// (IndexOutOfRange, Overflow, NullReference, an OutOfMemory from a size field, ...) is a bug, and so is a hang.
/// fuzz/run.sh drives the targets with AFL++ through SharpFuzz; DeepLite.Tests replays the seed corpus and every
/// crash found (fuzz/regressions) through the same code.
/// </summary>
public static class FuzzTargets
{
    /// <summary>The targets by name, each with what it reads.</summary>
    public static IReadOnlyDictionary<string, (string Reads, Action<byte[], Scratch> Run)> All { get; } = new Dictionary<string, (string, Action<byte[], Scratch>)>
    {
        ["safetensors"] = ("a safetensors file: header, metadata, every tensor read as float and as double", (bytes, _) =>
        {
            var file = SafeTensorsFile.Parse("fuzz.safetensors", bytes);
            foreach (var t in file.Tensors) { file.Read<float>(t.Name); file.Read<double>(t.Name); }
        }),
        ["weights"] = ("a model's weights (LoadWeights, strict and not)", (bytes, scratch) =>
        {
            var path = scratch.File("weights.safetensors", bytes);
            var strict = SmallModel();
            try { Unchanged(strict, null, () => strict.LoadWeights(path)); }
            catch (Exception e) when (IsDocumented(e)) { } // refused whole; the loose load below reads the same file
            var loose = SmallModel();
            Unchanged(loose, null, () => loose.LoadWeights(path, strict: false));
        }),
        ["checkpoint"] = ("a training checkpoint (model, Adam's state, the generator, the epoch)", (bytes, _) =>
        {
            var model = SmallModel();
            var adam = new Adam<float>(model.Parameters());
            Unchanged(model, adam, () => Checkpoint.Load(SafeTensorsFile.Parse("fuzz.checkpoint.safetensors", bytes), model, adam, new SeededRandom(1)));
        }),
        ["idx"] = ("an IDX file (MNIST's format), raw", (bytes, _) => IdxFile.Read(new MemoryStream(bytes), "fuzz-idx3-ubyte")),
        ["idx-gz"] = ("an IDX file, gzipped", (bytes, _) => IdxFile.Read(new MemoryStream(bytes), "fuzz-idx3-ubyte.gz")),
        ["mnist"] = ("an images and a labels IDX file read as a dataset (a 4-byte little-endian length, the images, the labels)", (bytes, scratch) =>
        {
            int split = bytes.Length < 4 ? 0 : (int)Math.Min((uint)(bytes.Length - 4), System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes));
            var body = bytes.AsSpan(Math.Min(4, bytes.Length));
            IdxFile.ReadDataset("fuzz", scratch.File("images-idx3-ubyte", body[..split].ToArray()), scratch.File("labels-idx1-ubyte", body[split..].ToArray()), CifarBinary.ClassNames);
        }),
        ["cifar-bin"] = ("CIFAR-10's binary batches (every batch file these bytes)", (bytes, scratch) =>
        {
            var folder = scratch.Folder("cifar-10-batches-bin");
            foreach (var name in CifarBinary.TrainFiles.Append(CifarBinary.TestFile)) File.WriteAllBytes(Path.Combine(folder, name), bytes);
            CifarBinary.Read(folder);
        }),
        ["cifar-tar-gz"] = ("CIFAR-10's cifar-10-binary.tar.gz", (bytes, scratch) => CifarBinary.Read(scratch.File("cifar-10-binary.tar.gz", bytes))),
        ["text"] = ("a text corpus (TextDataset, as [gpt] reads Tiny Shakespeare): UTF-8 decoding, vocabulary, split, encode and decode", (bytes, _) =>
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            var dataset = new TextDataset("fuzz", text);
            dataset.Decode(dataset.Encode(text));
        }),
        ["run-csv"] = ("a stored unit's points or a results.csv (Measurement.FromCsv)", (bytes, _) => Measurement.FromCsv(Encoding.UTF8.GetString(bytes), "fuzz.csv")),
        ["run-record"] = ("a stored unit's record (runs/<unit>.json) and points, as the console reads them back", (bytes, scratch) =>
        {
            var (experiment, store) = Store(scratch);
            File.WriteAllBytes(Path.Combine(store.RunsFolder(experiment), "unit.json"), bytes);
            File.WriteAllText(Path.Combine(store.RunsFolder(experiment), "unit.csv"), "run,x_name,x,metric,value\nunit,epoch,1,loss,0.5\n");
            store.StoredRecord(experiment, "unit");
            store.Stored(experiment, "unit");
        }),
        ["owner"] = ("an experiment folder's owner.txt (which settings its results belong to)", (bytes, scratch) =>
        {
            var (experiment, store) = Store(scratch);
            File.WriteAllBytes(Path.Combine(store.Folder(experiment), RunStore.OwnerFile), bytes);
            // Anything but this configuration's fingerprint is refused, naming both.
            try { store.ClaimFolder(experiment); }
            catch (InvalidOperationException e) when (e.Message.Contains("holds results made with", StringComparison.Ordinal)) { }
        }),
        ["manifest"] = ("an experiment's manifest.json as the report reads it (REPORT.md, claims.json)", (bytes, scratch) =>
        {
            var (experiment, store) = Store(scratch);
            File.WriteAllText(Path.Combine(store.Folder(experiment), "results.csv"), "run,x_name,x,metric,value\nmlp,epoch,1,train_accuracy,0.5\nmlp,epoch,1,test_accuracy,0.1\n");
            File.WriteAllBytes(Path.Combine(store.Folder(experiment), "manifest.json"), bytes);
            ReportWriter.Write(store.OutputRoot, [experiment]);
        }),
        ["run-checkpoint"] = ("a unit's checkpoint as the console resumes it (its run key and points in the metadata)", (bytes, scratch) =>
        {
            var (experiment, store) = Store(scratch);
            var context = new ExperimentContext { OutputRoot = store.OutputRoot, Configuration = store.Configuration };
            var checkpoint = context.Checkpoint(experiment, "unit");
            File.WriteAllBytes(checkpoint.Path, bytes);
            var model = SmallModel();
            var sgd = new Sgd<float>(model.Parameters(), 0.1, momentum: 0.9);
            // Resume reports an unreadable checkpoint, deletes it and starts over: then nothing may have been loaded.
            var before = State(model, sgd);
            if (checkpoint.Resume(model, sgd) == 0 && !File.Exists(checkpoint.Path) && State(model, sgd) != before)
                throw new InvalidOperationException("Resume started the unit over but left part of the checkpoint loaded");
        }),
    };

    /// <summary>
    /// The exceptions a reader documents for bad bytes: the formats' own (<see cref="SafeTensorsFormatException"/>,
    /// <see cref="DatasetFormatException"/>, both IOExceptions naming the file and the offset),
    /// <see cref="InvalidDataException"/> (CSV), <see cref="DecoderFallbackException"/> (text that is not UTF-8, the
    /// target's own check), and an API's refusal of a value that does not fit (<see cref="ArgumentException"/>: a
    /// weights file whose tensors do not fit the model, a text too short to split). Not OutOfMemory, IndexOutOfRange,
    /// ArgumentOutOfRange, Overflow, NullReference, InvalidCast, KeyNotFound, InvalidOperation, or an IOException of
    /// another kind.
    /// </summary>
    public static bool IsDocumented(Exception e) => e is SafeTensorsFormatException or DatasetFormatException or InvalidDataException
        or DecoderFallbackException
        || (e.GetType() == typeof(ArgumentException));

    /// <summary>Runs target <paramref name="name"/> on <paramref name="bytes"/>; returns the documented refusal, if any; anything else propagates.</summary>
    public static Exception? Run(string name, byte[] bytes, Scratch scratch)
    {
        try { All[name].Run(bytes, scratch); return null; }
        catch (Exception e) when (IsDocumented(e)) { return e; }
    }

    /// <summary>
    /// Runs a load; when it refuses the file (a documented exception), the model and the optimizer must be exactly as
    /// before: a load is checked whole before it changes anything. A partly applied load escapes as an
    /// InvalidOperationException, which is not documented: a crash for the fuzzer.
    /// </summary>
    private static void Unchanged(Sequential<float> model, Optimizer<float>? optimizer, Action load)
    {
        var before = State(model, optimizer);
        try { load(); }
        catch (Exception e) when (IsDocumented(e))
        {
            if (State(model, optimizer) != before) throw new InvalidOperationException($"a refused load ({e.Message}) changed the model or the optimizer");
            throw;
        }
    }

    /// <summary>The model's parameters and buffers and the optimizer's state, as one string of their bits.</summary>
    private static string State(Sequential<float> model, Optimizer<float>? optimizer)
    {
        var text = new StringBuilder();
        foreach (var (name, tensor) in model.NamedState())
            text.Append(name).Append(':').Append(Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Span))).Append(';');
        if (optimizer?.GetState() is { } state)
        {
            text.Append(state.StepCount).Append(',').Append(state.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            foreach (var buffer in state.Buffers)
                text.Append(buffer.ParameterIndex).Append(buffer.Name).Append(Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.Values.AsSpan())));
        }
        return text.ToString();
    }

    private static Sequential<float> SmallModel()
    {
        var random = new SeededRandom(3);
        return new Sequential<float>(new Dense<float>(4, 3, random), new Relu<float>(), new Dense<float>(3, 2, random));
    }

    private static (IExperiment Experiment, RunStore Store) Store(Scratch scratch)
    {
        var experiment = ExperimentRegistry.Find("hw1-3-1")!;
        var store = new RunStore(scratch.Folder("results"), new RunConfiguration { Preset = Preset.Quick, Seed = 1 });
        Directory.CreateDirectory(store.RunsFolder(experiment));
        return (experiment, store);
    }

    /// <summary>
    /// A scratch folder a target writes its input's files into (readers that take paths): emptied before each input,
    /// deleted at the end.
    /// </summary>
    public sealed class Scratch : IDisposable
    {
        private readonly string _root = System.IO.Directory.CreateTempSubdirectory("deeplite-fuzz-").FullName;

        /// <summary>Empties the folder for the next input.</summary>
        public void Reset()
        {
            foreach (var d in Directory.GetDirectories(_root)) Directory.Delete(d, recursive: true);
            foreach (var f in Directory.GetFiles(_root)) System.IO.File.Delete(f);
        }

        /// <summary>Writes <paramref name="bytes"/> to a file named <paramref name="name"/>; returns its path.</summary>
        public string File(string name, byte[] bytes)
        {
            var path = Path.Combine(_root, name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        /// <summary>A sub-folder, created.</summary>
        public string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

        /// <inheritdoc/>
        public void Dispose()
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }
}
