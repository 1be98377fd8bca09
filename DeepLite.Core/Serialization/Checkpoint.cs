using System.Globalization;
using System.Numerics;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>What <see cref="Checkpoint.Load{T}(string, Module{T}, Optimizer{T}?, SeededRandom?)"/> read besides the tensors.</summary>
/// <param name="Epoch">The epoch stored with the checkpoint (the number of finished epochs, by convention).</param>
/// <param name="Metadata">The caller's own metadata (the <c>deeplite.</c> keys removed).</param>
public sealed record CheckpointInfo(int Epoch, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// A training checkpoint in one safetensors file: the model's parameters under their own names (so the
/// file also loads as plain weights, here or in PyTorch), the optimizer's buffers as
/// <c>optimizer/&lt;parameter&gt;/&lt;buffer&gt;</c>, and in the metadata the epoch, the optimizer's kind,
/// step count and learning rate, and a <see cref="SeededRandom"/>'s state. Loading all of it into a
/// freshly built model and optimizer continues training bit for bit.
/// </summary>
public static class Checkpoint
{
    /// <summary>The name prefix of optimizer-state tensors.</summary>
    public const string OptimizerPrefix = "optimizer/";

    private const string Format = "deeplite.format", FormatValue = "checkpoint/1", EpochKey = "deeplite.epoch",
        OptimizerKey = "deeplite.optimizer", StepKey = "deeplite.optimizer.step_count", RateKey = "deeplite.optimizer.learning_rate",
        GroupRatesKey = "deeplite.optimizer.group_learning_rates",
        RandomKey = "deeplite.random";

    /// <summary>Writes a checkpoint (atomically). Metadata keys starting with <c>deeplite.</c> are reserved.</summary>
    public static void Save<T>(string path, Module<T> model, Optimizer<T>? optimizer = null, int epoch = 0, SeededRandom? random = null,
        IReadOnlyDictionary<string, string>? metadata = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var named = model.NamedState().ToList();
        var entries = named.Select(p => SafeTensors.Entry<T>.Of(p.Name, p.Tensor)).ToList();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith("deeplite.", StringComparison.Ordinal)) throw new ArgumentException($"Checkpoint metadata key '{key}' is reserved (deeplite.*).");
            meta[key] = value;
        }
        meta[Format] = FormatValue;
        meta[EpochKey] = epoch.ToString(CultureInfo.InvariantCulture);
        if (optimizer is not null)
        {
            var names = ParameterNames(model, optimizer);
            var state = optimizer.GetState();
            meta[OptimizerKey] = KindOf(optimizer);
            meta[StepKey] = state.StepCount.ToString(CultureInfo.InvariantCulture);
            meta[RateKey] = state.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            if (state.GroupLearningRates is { } rates) meta[GroupRatesKey] = string.Join(",", rates.Select(r => r.ToString("R", CultureInfo.InvariantCulture)));
            foreach (var b in state.Buffers)
                entries.Add(new($"{OptimizerPrefix}{names[b.ParameterIndex]}/{b.Name}", optimizer.Parameters[b.ParameterIndex].Shape.ToArray(), b.Values));
        }
        if (random is not null) meta[RandomKey] = string.Join(",", random.GetState().Select(v => v.ToString("x16", CultureInfo.InvariantCulture)));
        SafeTensors.Save(path, entries, meta);
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save"/> into <paramref name="model"/> and, when given,
    /// <paramref name="optimizer"/> (same kind, over the model's parameters) and <paramref name="random"/>.
    /// Everything is checked before anything changes; errors name the file and the tensor or key.
    /// </summary>
    public static CheckpointInfo Load<T>(string path, Module<T> model, Optimizer<T>? optimizer = null, SeededRandom? random = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Load(SafeTensorsFile.Open(path), model, optimizer, random);

    /// <summary>
    /// Loads a checkpoint from a file already opened with <see cref="SafeTensorsFile.Open"/> (for a caller that
    /// looks at its <see cref="SafeTensorsFile.Metadata"/> first), with the checks of the path overload.
    /// </summary>
    public static CheckpointInfo Load<T>(SafeTensorsFile file, Module<T> model, Optimizer<T>? optimizer = null, SeededRandom? random = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var path = file.Path;
        var meta = file.Metadata;
        if (!meta.TryGetValue(Format, out var format) || format != FormatValue)
            throw new SafeTensorsFormatException(path, null, $"not a DeepLite checkpoint: metadata '{Format}' is {(format is null ? "absent" : $"'{format}'")}, expected '{FormatValue}'");
        int epoch = int.TryParse(meta.GetValueOrDefault(EpochKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) && e >= 0 ? e
            : throw new SafeTensorsFormatException(path, null, $"metadata '{EpochKey}' is '{meta.GetValueOrDefault(EpochKey)}', not a non-negative integer");

        OptimizerState<T>? optimizerState = null;
        if (optimizer is not null) optimizerState = ReadOptimizer(file, model, optimizer);
        ulong[]? randomState = null;
        if (random is not null)
        {
            if (!meta.TryGetValue(RandomKey, out var text)) throw new SafeTensorsFormatException(path, null, $"the checkpoint holds no random state ('{RandomKey}')");
            var parts = text.Split(',');
            randomState = new ulong[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!ulong.TryParse(parts[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out randomState[i]))
                    throw new SafeTensorsFormatException(path, null, $"metadata '{RandomKey}' part {i} is '{parts[i]}', not a hexadecimal number");
            // Checked on a generator of our own before anything is loaded: a state of the wrong length was refused only
            // after the model and the optimizer had been loaded (a partly applied load, found by fuzzing).
            try { new SeededRandom(0).SetState(randomState); }
            catch (ArgumentException x) { throw new SafeTensorsFormatException(path, null, $"metadata '{RandomKey}': {x.Message}", null, x); }
        }

        // Everything is checked; now it is applied (each step below can no longer refuse).
        ModuleWeights.Load(model, file, strict: true, requireFinite: true);
        if (optimizerState is not null) optimizer!.LoadState(optimizerState);
        if (randomState is not null) random!.SetState(randomState);
        return new CheckpointInfo(epoch, meta.Where(m => !m.Key.StartsWith("deeplite.", StringComparison.Ordinal)).ToDictionary(m => m.Key, m => m.Value));
    }

    private static OptimizerState<T> ReadOptimizer<T>(SafeTensorsFile file, Module<T> model, Optimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var meta = file.Metadata;
        var kind = meta.GetValueOrDefault(OptimizerKey);
        if (kind != KindOf(optimizer))
            throw new SafeTensorsFormatException(file.Path, null, kind is null ? "the checkpoint holds no optimizer state" : $"the checkpoint's optimizer is {kind}, not {KindOf(optimizer)}");
        if (!long.TryParse(meta.GetValueOrDefault(StepKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out long steps) || steps < 0)
            throw new SafeTensorsFormatException(file.Path, null, $"metadata '{StepKey}' is '{meta.GetValueOrDefault(StepKey)}', not a non-negative integer");
        if (!double.TryParse(meta.GetValueOrDefault(RateKey), NumberStyles.Float, CultureInfo.InvariantCulture, out double rate))
            throw new SafeTensorsFormatException(file.Path, null, $"metadata '{RateKey}' is '{meta.GetValueOrDefault(RateKey)}', not a number");

        var names = ParameterNames(model, optimizer);
        var index = names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var buffers = new List<OptimizerStateBuffer<T>>();
        foreach (var t in file.Tensors.Where(t => t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)))
        {
            var rest = t.Name[OptimizerPrefix.Length..];
            int slash = rest.LastIndexOf('/');
            var parameter = slash > 0 ? rest[..slash] : "";
            var buffer = slash > 0 ? rest[(slash + 1)..] : "";
            if (!index.TryGetValue(parameter, out int i))
                throw new SafeTensorsFormatException(file.Path, t.Name, $"optimizer state for '{parameter}', which is not one of the optimizer's parameters");
            if (!optimizer.StateNames.Contains(buffer))
                throw new SafeTensorsFormatException(file.Path, t.Name, $"{KindOf(optimizer)} keeps no buffer '{buffer}' (it keeps {string.Join(", ", optimizer.StateNames)})");
            var expected = optimizer.Parameters[i].Shape;
            if (!t.Shape.SequenceEqual(expected.ToArray().Select(d => (long)d)))
                throw new SafeTensorsFormatException(file.Path, t.Name, $"the file has shape {SafeTensors.Format(t.Shape.ToArray())} but the parameter has {expected}");
            var values = new T[expected.Size];
            file.ReadInto<T>(t.Name, values);
            ModuleWeights.RequireFinite<T>(file, t.Name, values);
            buffers.Add(new(i, buffer, values));
        }
        List<double>? groupRates = null;
        if (meta.GetValueOrDefault(GroupRatesKey) is { } text)
        {
            groupRates = [];
            foreach (var part in text.Split(','))
            {
                if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) || !(r >= 0))
                    throw new SafeTensorsFormatException(file.Path, null, $"metadata '{GroupRatesKey}' is '{text}', not a list of non-negative numbers");
                groupRates.Add(r);
            }
            if (groupRates.Count != optimizer.Groups.Count)
                throw new SafeTensorsFormatException(file.Path, null, $"metadata '{GroupRatesKey}' holds {groupRates.Count} rates, the optimizer has {optimizer.Groups.Count} parameter groups");
        }
        return new OptimizerState<T>(steps, rate, buffers, groupRates);
    }

    /// <summary>The module name of each of the optimizer's parameters (by reference).</summary>
    private static string[] ParameterNames<T>(Module<T> model, Optimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var byTensor = new Dictionary<Tensor<T>, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in model.NamedParameters()) byTensor.TryAdd(p, name);
        return optimizer.Parameters.Select((p, i) => byTensor.TryGetValue(p, out var name) ? name
            : throw new ArgumentException($"The optimizer's parameter {i} (shape {p.Shape}) is not a parameter of the model, so its state has no name to be saved under.")).ToArray();
    }

    private static string KindOf(object optimizer) => optimizer.GetType().Name.Split('`')[0];
}
