using System.Numerics;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Serialization;

/// <summary>
/// A module's weights on disk and in memory: PyTorch's <c>safetensors.torch.save_file</c>/<c>load_file</c> and
/// <c>load_state_dict</c>, as extension methods of <see cref="Module{T}"/> (<c>using DeepLite.Serialization;</c>), so that
/// Layers knows nothing of files and Serialization reads Layers, not the other way round.
/// </summary>
public static class ModuleStateExtensions
{
    /// <summary>
    /// Saves the parameters and buffers as safetensors under their <see cref="Module{T}.NamedState"/> names (through a
    /// temporary file and a rename); PyTorch's <c>safetensors.torch.load_file</c> reads the file.
    /// </summary>
    public static void SaveWeights<T>(this Module<T> module, string path, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> => ModuleWeights.Save(module, path, metadata);

    /// <summary>
    /// Loads parameters and buffers saved by <see cref="SaveWeights{T}"/> (or any safetensors file with these names and
    /// shapes, in F16, BF16, F32 or F64). Nothing changes unless every tensor checks out; with
    /// <paramref name="strict"/> (the default) missing and unexpected tensors are errors that name them; without,
    /// the result lists them (PyTorch's <c>missing_keys</c> and <c>unexpected_keys</c>), and a file of which no
    /// tensor is a parameter or buffer of this module is still an error.
    /// </summary>
    public static WeightsLoadResult LoadWeights<T>(this Module<T> module, string path, bool strict = true)
        where T : unmanaged, IFloatingPointIeee754<T> => ModuleWeights.Load(module, path, strict);

    /// <summary>
    /// Copies <paramref name="state"/> (e.g. from <see cref="Module{T}.StateDict"/>) into the module's parameters and
    /// buffers (PyTorch's <c>load_state_dict</c>), by the rules <see cref="LoadWeights{T}"/> follows: every check runs
    /// before anything changes; a shape that differs is an error; with <paramref name="strict"/> so are a missing or an
    /// unexpected name; a state of which nothing applies is an error.
    /// </summary>
    public static WeightsLoadResult LoadStateDict<T>(this Module<T> module, IReadOnlyDictionary<string, Tensor<T>> state, bool strict = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        return ModuleWeights.Load(module, state.Keys.ToList(), name => state.TryGetValue(name, out var t) ? t.Shape.ToArray() : null,
            (name, values) => state[name].Span.CopyTo(values), strict, "state dict",
            (name, message) => new ArgumentException(name is null ? $"LoadStateDict: {message}." : $"LoadStateDict: {name}: {message}."));
    }
}
