using System.Collections;
using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A list of modules (PyTorch's <c>nn.ModuleList</c>): registered so that their parameters are the owner's, named
/// <c>i.&lt;name&gt;</c> (a field <c>h</c> holding it gives <c>h.0.weight</c>, as PyTorch), with no forward of its own:
/// the owner calls them.
/// </summary>
public sealed class ModuleList<T> : Module<T>, IReadOnlyList<Module<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Module<T>> _modules = [];

    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(IEnumerable<Module<T>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Creates the list from <paramref name="modules"/>.</summary>
    public ModuleList(params Module<T>[] modules) : this((IEnumerable<Module<T>>)modules) { }

    /// <summary>Appends a module (PyTorch's <c>append</c>).</summary>
    public ModuleList<T> Add(Module<T> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        RegisterModule(_modules.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _modules.Add(module);
        return this;
    }

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module<T> this[int index] => _modules[index];

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <inheritdoc/>
    public IEnumerator<Module<T>> GetEnumerator() => _modules.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A module list has no forward (as PyTorch's): call its modules.</summary>
    public override Tensor<T> Forward(Tensor<T> input) =>
        throw new NotSupportedException("ModuleList has no Forward (as PyTorch's nn.ModuleList): call its modules in your module's Forward.");
}
