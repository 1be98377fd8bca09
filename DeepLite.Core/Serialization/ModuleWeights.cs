using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>
/// Saves and loads a module's parameters and buffers as safetensors, one tensor each under its
/// <see cref="Module{T}.NamedState"/> name (<c>layers.0.weight</c>, <c>layers.1.running_mean</c>): the <c>state_dict</c> keys of a
/// PyTorch module of the same structure and names. Use <see cref="Module{T}.SaveWeights"/> and
/// <see cref="Module{T}.LoadWeights"/>.
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
    internal static WeightsLoadResult Load<T>(Module<T> module, SafeTensorsFile file, bool strict, bool requireFinite = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Parameters and buffers (BatchNorm's running statistics), as a PyTorch state_dict holds them.
        var parameters = module.NamedState().ToList();
        var staged = new List<(Tensor<T> Parameter, T[] Values)>();
        var loaded = new List<string>();
        var missing = new List<string>();
        foreach (var (name, parameter) in parameters)
        {
            if (!file.Contains(name))
            {
                if (strict) throw new SafeTensorsFormatException(file.Path, name, $"the module's tensor (shape {parameter.Shape}) is missing from the file");
                missing.Add(name);
                continue;
            }
            var info = file[name];
            if (!info.Shape.SequenceEqual(parameter.Shape.ToArray().Select(d => (long)d)))
                throw new SafeTensorsFormatException(file.Path, name, $"the file has shape {SafeTensors.Format(info.Shape.ToArray())} but the module expects {parameter.Shape}");
            var values = new T[parameter.Size];
            file.ReadInto<T>(name, values);
            if (requireFinite) RequireFinite(file, name, values);
            staged.Add((parameter, values));
            loaded.Add(name);
        }
        var known = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        // PyTorch's BatchNorm saves an integer num_batches_tracked, which only its momentum=None mode reads: ignored.
        var unexpected = file.Tensors.Where(t => !known.Contains(t.Name) && !t.Name.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal)
            && !t.Name.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).Select(t => t.Name).ToList();
        if (strict && unexpected.Count > 0)
            throw new SafeTensorsFormatException(file.Path, unexpected[0], $"the module has no parameter or buffer of this name (it has {string.Join(", ", known)})");
        if (loaded.Count == 0 && parameters.Count > 0)
            throw new SafeTensorsFormatException(file.Path, null,
                $"none of the file's tensors ({string.Join(", ", file.Tensors.Take(8).Select(t => t.Name))}{(file.Tensors.Count > 8 ? ", ..." : "")}) is a parameter or buffer of the module ({string.Join(", ", known.Take(8))}{(known.Count > 8 ? ", ..." : "")}): nothing would be loaded");
        foreach (var (parameter, values) in staged) values.CopyTo(parameter.Span);
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
/// What <see cref="Module{T}.LoadWeights"/> did, as PyTorch's <c>load_state_dict</c> reports it.
/// </summary>
/// <param name="Loaded">The module's parameters that were read from the file.</param>
/// <param name="MissingKeys">The module's parameters the file lacks (only without strict; they kept their values).</param>
/// <param name="UnexpectedKeys">The file's tensors that are not parameters of the module (ignored without strict).</param>
public sealed record WeightsLoadResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
