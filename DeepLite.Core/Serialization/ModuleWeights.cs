using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>
/// Saves and loads a module's parameters and buffers as safetensors, one tensor each under its
/// <see cref="Module{T}.NamedState"/> name (<c>layers.0.weight</c>, <c>layers.1.running_mean</c>): the <c>state_dict</c> keys of a
/// PyTorch module of the same structure and names. Use <see cref="ModuleStateExtensions.SaveWeights{T}"/> and
/// <see cref="ModuleStateExtensions.LoadWeights{T}"/>.
/// </summary>
internal static class ModuleWeights
{
    /// <summary>Writes the parameters and buffers of <paramref name="module"/> (atomically) with optional metadata.</summary>
    public static void Save<T>(Module<T> module, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SafeTensors.Save(path, module.NamedState(), metadata);

    /// <summary>
    /// Loads the parameters and buffers of <paramref name="module"/> from <paramref name="path"/>. Every check runs
    /// before anything changes, so a failed load leaves the module as it was. With <paramref name="strict"/>, a
    /// parameter or buffer missing from the file or a tensor the module lacks is an error (tensors under
    /// <see cref="Checkpoint.OptimizerPrefix"/> are an optimizer's and always allowed; PyTorch's
    /// <c>num_batches_tracked</c> is ignored).
    /// </summary>
    public static WeightsLoadResult Load<T>(Module<T> module, string path, bool strict = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Load(module, SafeTensorsFile.Open(path), strict);
    }

    /// <summary>
    /// The checks and the copy of <see cref="Load{T}(Module{T}, string, bool)"/>; with <paramref name="requireFinite"/>
    /// (checkpoints) a NaN or infinity is an error naming the tensor and the element.
    /// </summary>
    internal static WeightsLoadResult Load<T>(Module<T> module, SafeTensorsFile file, bool strict, bool requireFinite = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        Load(module, file.Tensors.Select(t => t.Name).ToList(),
            name => file.Contains(name) ? file[name].Shape.ToArray().Select(d => checked((int)d)).ToArray() : null,
            (name, values) =>
            {
                file.ReadInto<T>(name, values);
                if (requireFinite) RequireFinite(file, name, values);
            },
            strict, "file", (name, message) => new SafeTensorsFormatException(file.Path, name, message));

    /// <summary>
    /// The one set of rules for putting named tensors into a module's parameters and buffers, whatever holds them (a
    /// file, a state dict): every check and every read runs before anything changes, so a failed load leaves the module
    /// as it was. A shape that differs is an error; with <paramref name="strict"/> so are a module tensor the source
    /// lacks and a source tensor the module lacks (except an optimizer's, under <see cref="Checkpoint.OptimizerPrefix"/>,
    /// and PyTorch's <c>num_batches_tracked</c>, which only its momentum=None mode reads); a source of which nothing
    /// applies is an error even without strict.
    /// </summary>
    /// <param name="module">The module to load into.</param>
    /// <param name="sourceNames">Every tensor name the source holds.</param>
    /// <param name="shapeOf">A source tensor's dims, or null when the source lacks the name.</param>
    /// <param name="read">Reads a source tensor's values into a span of the module tensor's size (may throw for bad values).</param>
    /// <param name="strict">Whether missing and unexpected names are errors.</param>
    /// <param name="source">What the source is, for messages: "file", "state dict".</param>
    /// <param name="error">Makes the exception for a tensor name (or null for the whole source) and a message.</param>
    internal static WeightsLoadResult Load<T>(Module<T> module, IReadOnlyList<string> sourceNames, Func<string, int[]?> shapeOf, Action<string, T[]> read,
        bool strict, string source, Func<string?, string, Exception> error) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var own = module.NamedState().ToList();
        var staged = new List<(Tensor<T> Tensor, T[] Values)>();
        var loaded = new List<string>();
        var missing = new List<string>();
        foreach (var (name, tensor) in own)
        {
            if (shapeOf(name) is not { } dims)
            {
                if (strict) throw error(name, $"the module's tensor (shape {tensor.Shape}) is missing from the {source}");
                missing.Add(name);
                continue;
            }
            if (!dims.AsSpan().SequenceEqual(tensor.Shape.Dims))
                throw error(name, $"the {source} has shape {Shape.Format(dims)} but the module expects {tensor.Shape}");
            var values = new T[tensor.Size];
            read(name, values);
            staged.Add((tensor, values));
            loaded.Add(name);
        }
        var known = own.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var unexpected = sourceNames.Where(n => !known.Contains(n) && !n.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal)
            && !n.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
        if (strict && unexpected.Count > 0)
            throw error(unexpected[0], $"the module has no parameter or buffer of this name (it has {string.Join(", ", known)})");
        if (loaded.Count == 0 && own.Count > 0)
            throw error(null,
                $"none of the {source}'s tensors ({string.Join(", ", sourceNames.Take(8))}{(sourceNames.Count > 8 ? ", ..." : "")}) is a parameter or buffer of the module ({string.Join(", ", known.Take(8))}{(known.Count > 8 ? ", ..." : "")}): nothing would be loaded");
        foreach (var (tensor, values) in staged) values.CopyTo(tensor.Span);
        return new WeightsLoadResult(loaded, missing, unexpected);
    }

    /// <summary>Throws when <paramref name="values"/> (tensor <paramref name="name"/> of the file) holds a NaN or infinity.</summary>
    internal static void RequireFinite<T>(SafeTensorsFile file, string name, ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        int at = Autograd.NonFiniteException.FirstNonFinite(values);
        if (at >= 0)
            throw new SafeTensorsFormatException(file.Path, name, $"element {at} is {values[at]}: a checkpoint with non-finite values comes from a diverged run and cannot be resumed (delete it, or run again with --fresh)");
    }
}

/// <summary>
/// What <see cref="ModuleStateExtensions.LoadWeights{T}"/> did, as PyTorch's <c>load_state_dict</c> reports it.
/// </summary>
/// <param name="Loaded">The module's parameters that were read from the file.</param>
/// <param name="MissingKeys">The module's parameters the file lacks (only without strict; they kept their values).</param>
/// <param name="UnexpectedKeys">The file's tensors that are not parameters of the module (ignored without strict).</param>
public sealed record WeightsLoadResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>
    /// "All keys matched successfully (4 tensors loaded)" as PyTorch prints it, else what was loaded and the keys
    /// that were missing or unexpected, by name.
    /// </summary>
    public override string ToString() => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0
        ? $"All keys matched successfully ({Loaded.Count} tensors loaded)"
        : $"{Loaded.Count} tensors loaded; missing keys: [{string.Join(", ", MissingKeys)}]; unexpected keys: [{string.Join(", ", UnexpectedKeys)}]";
}
