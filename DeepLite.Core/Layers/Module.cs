using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A building block of a model: owns parameters and child modules, maps an input tensor to an output.
/// Parameter names are stable and hierarchical (<c>layers.0.weight</c>), in registration order, so they
/// can key checkpoints and be matched against other frameworks.
/// </summary>
public abstract class Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Tensor<T> Value)> _parameters = [];
    private readonly List<(string Name, Tensor<T> Value)> _buffers = [];
    private readonly List<(string Name, Module<T> Value)> _children = [];

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool IsTraining { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor<T> Forward(Tensor<T> input);

    /// <summary>Same as <see cref="Forward"/>.</summary>
    public Tensor<T> Call(Tensor<T> input) => Forward(input);

    /// <summary>Registers a trainable tensor under <paramref name="name"/>; it is marked as requiring grad.</summary>
    protected Tensor<T> RegisterParameter(string name, Tensor<T> value)
    {
        CheckName(name);
        value.RequiresGrad = true;
        _parameters.Add((name, value));
        return value;
    }

    /// <summary>
    /// Registers a tensor that is part of the module's state but not trained (PyTorch's <c>register_buffer</c>, e.g.
    /// BatchNorm's running statistics): saved and loaded with the weights under its name, never given a gradient.
    /// </summary>
    protected Tensor<T> RegisterBuffer(string name, Tensor<T> value)
    {
        CheckName(name);
        _buffers.Add((name, value));
        return value;
    }

    /// <summary>Every buffer with its full dotted name, own buffers first, then children in order.</summary>
    public IEnumerable<(string Name, Tensor<T> Buffer)> NamedBuffers()
    {
        foreach (var (name, value) in _buffers) yield return (name, value);
        foreach (var (childName, child) in _children)
            foreach (var (name, value) in child.NamedBuffers())
                yield return ($"{childName}.{name}", value);
    }

    /// <summary>
    /// Everything the weights file holds, as PyTorch's <c>state_dict</c> orders it: per module its parameters, then its
    /// buffers, then its children's.
    /// </summary>
    public IEnumerable<(string Name, Tensor<T> Tensor)> NamedState()
    {
        foreach (var (name, value) in _parameters) yield return (name, value);
        foreach (var (name, value) in _buffers) yield return (name, value);
        foreach (var (childName, child) in _children)
            foreach (var (name, value) in child.NamedState())
                yield return ($"{childName}.{name}", value);
    }

    /// <summary>Registers a child module under <paramref name="name"/>; its parameters are named <c>name.child</c>.</summary>
    protected TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module<T>
    {
        CheckName(name);
        _children.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("A parameter or module name cannot be empty.");
        // '/' separates a parameter's name from its optimizer buffer's in checkpoints.
        if (name.Contains('/')) throw new ArgumentException($"A parameter or module name cannot contain '/': '{name}'.");
        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name} already has a parameter or module named '{name}'.");
    }

    /// <summary>Every parameter with its full dotted name, own parameters first, then children in order.</summary>
    public IEnumerable<(string Name, Tensor<T> Parameter)> NamedParameters()
    {
        foreach (var (name, value) in _parameters) yield return (name, value);
        foreach (var (childName, child) in _children)
            foreach (var (name, value) in child.NamedParameters())
                yield return ($"{childName}.{name}", value);
    }

    /// <summary>The parameters in <see cref="NamedParameters"/> order.</summary>
    public IReadOnlyList<Tensor<T>> Parameters() => NamedParameters().Select(p => p.Parameter).ToList();

    /// <summary>The child modules with their names.</summary>
    public IEnumerable<(string Name, Module<T> Module)> Children() => _children;

    /// <summary>Total number of trainable scalars (biases included).</summary>
    public long ParameterCount => NamedParameters().Sum(p => (long)p.Parameter.Size);

    /// <summary>Switches this module and its children to training mode.</summary>
    public void Train() => SetMode(true);

    /// <summary>Switches this module and its children to evaluation mode.</summary>
    public void Eval() => SetMode(false);

    private void SetMode(bool training)
    {
        IsTraining = training;
        foreach (var (_, child) in _children) child.SetMode(training);
    }

    /// <summary>Resets the gradients of every parameter to zero (see <see cref="Tensor{T}.ZeroGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
    }

    /// <summary>
    /// A copy of the module's state, in memory (PyTorch's <c>state_dict()</c>; <c>LoadStateDict</c> and the weights files are in DeepLite.Serialization): every parameter and buffer under its
    /// <see cref="NamedState"/> name, in that order. The tensors are copies: changing them changes nothing here.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor<T>> StateDict()
    {
        var state = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        foreach (var (name, tensor) in NamedState()) state.Add(name, tensor.Clone()); // a plain copy: no gradient, no graph
        return state;
    }

    /// <summary>
    /// A Keras-style table (Keras' <c>model.summary()</c>): each layer's output shape for inputs of
    /// <paramref name="inputShape"/> (without the batch dimension) and its parameter count, then the totals. See
    /// <see cref="ModelSummary"/>.
    /// </summary>
    public string Summary(params int[] inputShape) => ModelSummary.Format(this, inputShape);

    /// <summary>A one-line description used by <see cref="ToString"/>.</summary>
    protected virtual string Describe() => TypeName + "()";

    /// <summary>The module's type without its generic arity ("Conv2D"), as summaries and messages name it.</summary>
    internal string TypeName => GetType().Name.Split('`')[0];

    /// <summary>The module tree, one child per line.</summary>
    public override string ToString()
    {
        if (_children.Count == 0) return Describe();
        var lines = _children.Select(c => $"  ({c.Name}): " + c.Value.ToString().Replace("\n", "\n  "));
        return $"{TypeName}(\n{string.Join("\n", lines)}\n)";
    }
}
