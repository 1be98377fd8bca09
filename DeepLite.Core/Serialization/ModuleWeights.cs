using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>
/// Saves and loads a module's parameters as safetensors, one tensor per parameter under its
/// <see cref="Module{T}.NamedParameters"/> name (<c>layers.0.weight</c>): the <c>state_dict</c> keys of a
/// PyTorch module of the same structure and names. Use <see cref="Module{T}.SaveWeights"/> and
/// <see cref="Module{T}.LoadWeights"/>.
/// </summary>
internal static class ModuleWeights
{
    /// <summary>Writes the parameters of <paramref name="module"/> (atomically) with optional metadata.</summary>
    public static void Save<T>(Module<T> module, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SafeTensors.Save(path, module.NamedParameters().Select(p => (p.Name, p.Parameter)), metadata);

    /// <summary>
    /// Loads the parameters of <paramref name="module"/> from <paramref name="path"/>. Every check runs before
    /// any parameter changes, so a failed load leaves the module as it was. With <paramref name="strict"/>, a
    /// parameter missing from the file or a tensor the module lacks is an error (tensors under
    /// <see cref="Checkpoint.OptimizerPrefix"/> are an optimizer's and always allowed).
    /// </summary>
    public static SafeTensorsFile Load<T>(Module<T> module, string path, bool strict = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var file = SafeTensorsFile.Open(path);
        Load(module, file, strict);
        return file;
    }

    internal static void Load<T>(Module<T> module, SafeTensorsFile file, bool strict) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var parameters = module.NamedParameters().ToList();
        var staged = new List<(Tensor<T> Parameter, T[] Values)>();
        foreach (var (name, parameter) in parameters)
        {
            if (!file.Contains(name))
            {
                if (strict) throw new SafeTensorsFormatException(file.Path, name, $"the module's parameter (shape {parameter.Shape}) is missing from the file");
                continue;
            }
            var info = file[name];
            if (!info.Shape.SequenceEqual(parameter.Shape.ToArray().Select(d => (long)d)))
                throw new SafeTensorsFormatException(file.Path, name, $"the file has shape {SafeTensors.Format(info.Shape.ToArray())} but the module expects {parameter.Shape}");
            var values = new T[parameter.Size];
            file.ReadInto<T>(name, values);
            staged.Add((parameter, values));
        }
        if (strict)
        {
            var known = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var extra = file.Tensors.FirstOrDefault(t => !known.Contains(t.Name) && !t.Name.StartsWith(Checkpoint.OptimizerPrefix, StringComparison.Ordinal));
            if (extra is not null)
                throw new SafeTensorsFormatException(file.Path, extra.Name, $"the module has no parameter of this name (it has {string.Join(", ", known)})");
        }
        foreach (var (parameter, values) in staged) values.CopyTo(parameter.Span);
    }
}
