using System.Numerics;
using DeepLite.Kernels;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Updates parameters from their accumulated gradients. Updates run outside autograd, in place, and
/// allocate nothing after the first step (state buffers are created once per parameter).
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates an optimizer over <paramref name="parameters"/> (typically <c>model.Parameters()</c>), one group.</summary>
    protected Optimizer(IEnumerable<Tensor<T>> parameters, double learningRate)
        : this([new ParameterGroup<T>(parameters ?? throw new ArgumentNullException(nameof(parameters)))], learningRate, 0) { }

    /// <summary>
    /// Creates an optimizer over parameter groups, each taking <paramref name="learningRate"/> and
    /// <paramref name="weightDecay"/> unless it sets its own (PyTorch's <c>Optimizer(param_groups, lr=..., weight_decay=...)</c>).
    /// </summary>
    protected Optimizer(IEnumerable<ParameterGroup<T>> groups, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"Learning rate must be non-negative, got {learningRate}.");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"{GetType().Name.Split('`')[0]}: weight decay must be non-negative, got {weightDecay}.");
        WeightDecay = weightDecay;
        Groups = groups.ToList();
        var all = new List<Tensor<T>>();
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        var groupOf = new List<int>();
        for (int g = 0; g < Groups.Count; g++)
        {
            var group = Groups[g] ?? throw new ArgumentException($"Parameter group {g} is null.");
            group.LearningRate = group.RequestedLearningRate ?? learningRate;
            group.WeightDecay = group.RequestedWeightDecay ?? weightDecay;
            foreach (var p in group.Parameters)
            {
                if (!seen.Add(p)) throw new ArgumentException($"A parameter of shape {p.Shape} appears twice (in group {g}): each parameter belongs to one group (PyTorch's rule).");
                all.Add(p); groupOf.Add(g);
            }
        }
        Parameters = all;
        _groupOf = [.. groupOf];
        if (Parameters.Count == 0) throw new ArgumentException("The optimizer got no parameters.");
    }

    private readonly int[] _groupOf;

    /// <summary>The parameters this optimizer updates, group after group.</summary>
    public IReadOnlyList<Tensor<T>> Parameters { get; }

    /// <summary>
    /// The weight decay of groups that set none (what it means is the optimizer's: an L2 term in the gradient, or AdamW's
    /// decoupled shrink); a group's own is <see cref="ParameterGroup{T}.WeightDecay"/>.
    /// </summary>
    public double WeightDecay { get; }

    /// <summary>The parameter groups (one, unless the optimizer was made from groups).</summary>
    public IReadOnlyList<ParameterGroup<T>> Groups { get; }

    /// <summary>
    /// The step size: the first group's; setting it sets every group's (a scheduler sets each group's from its own
    /// initial rate instead).
    /// </summary>
    public double LearningRate
    {
        get => Groups[0].LearningRate;
        set
        {
            if (!(value >= 0)) throw new ArgumentOutOfRangeException(nameof(value), $"Learning rate must be non-negative, got {value}.");
            foreach (var g in Groups) g.LearningRate = value;
        }
    }

    /// <summary>The learning rate of parameter <paramref name="index"/>'s group.</summary>
    protected double LearningRateOf(int index) => Groups[_groupOf[index]].LearningRate;

    /// <summary>The weight decay of parameter <paramref name="index"/>'s group.</summary>
    protected double WeightDecayOf(int index) => Groups[_groupOf[index]].WeightDecay;

    /// <summary>Number of steps taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// The names of the per-parameter buffers this optimizer keeps, with PyTorch's names
    /// (<c>momentum_buffer</c>, <c>exp_avg</c>, ...) so saved state reads naturally next to a PyTorch one.
    /// </summary>
    public abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is not { } grad) continue;
            if (grad.Shape != p.Shape)
                throw new InvalidOperationException($"{GetType().Name}: parameter {i} has shape {p.Shape} but its gradient has shape {grad.Shape}.");
            BeforeUpdate(i);
            // Large parameters on every core (SplitThresholds.OptimizerElements): the update is elementwise, so the
            // result does not depend on the split.
            WorkerPool.ForElements(p.Size, SplitThresholds.OptimizerElements, new UpdateRange(this, i, p, grad));
        }
    }

    /// <summary>Elements [start, end) of one parameter's update, as a struct body (no closure per parameter and step).</summary>
    private readonly struct UpdateRange(Optimizer<T> optimizer, int index, Tensor<T> parameter, Tensor<T> gradient) : WorkerPool.IRange
    {
        public void Run(int start, int end) => optimizer.Update(index, start, parameter.Span[start..end], gradient.Span[start..end]);
    }

    /// <summary>
    /// Called once per parameter and step, before <see cref="Update"/> runs on its chunks: the place for a decision
    /// about the whole parameter (e.g. whether its state is new) that chunks on several threads must agree on.
    /// </summary>
    protected virtual void BeforeUpdate(int index) { }

    /// <summary>
    /// Updates elements [<paramref name="offset"/>, offset + parameter.Length) of parameter <paramref name="index"/>
    /// in place from the same elements of its gradient. Updates must be elementwise: a large parameter is
    /// updated in chunks on several threads (read its state with <see cref="State(string, int, int, int)"/>).
    /// </summary>
    protected abstract void Update(int index, int offset, Span<T> parameter, ReadOnlySpan<T> gradient);

    /// <summary>Resets every parameter's gradient to zero, keeping its memory (see <see cref="Tensor{T}.ZeroGrad"/>).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters) p.ZeroGrad();
    }

    /// <summary>
    /// Zero for subnormal values. Running averages of a gradient that stays zero (a dead ReLU unit) decay
    /// geometrically into the subnormal range, where x86 arithmetic is about a hundred times slower;
    /// values that small carry no information for an update, so they are flushed.
    /// </summary>
    protected static T Flush(T x) => UpdateRule.Flush(x);

    /// <summary>The vector form of <see cref="Flush(T)"/>: lanes below the smallest normal in magnitude become zero (NaN stays).</summary>
    protected static Vector<T> Flush(Vector<T> x) => UpdateRule.Flush(x);

    // Per state name, one buffer per parameter. An array searched by name, not a dictionary: there are one
    // or two names, and hashing the name twice per parameter per step showed in small nets' steps. Replaced,
    // never changed, when a name is added, so reading needs no lock (the chunks of a large parameter's
    // update run on several threads; creation takes the lock).
    private (string Name, T[]?[] Buffers)[] _state = [];
    private readonly object _stateLock = new();

    private T[]?[]? Buffers(string name, bool create)
    {
        foreach (var (n, buffers) in Volatile.Read(ref _state))
            if (n == name) return buffers;
        if (!create) return null;
        lock (_stateLock)
        {
            foreach (var (n, buffers) in _state)
                if (n == name) return buffers;
            var added = new T[]?[Parameters.Count];
            Volatile.Write(ref _state, [.. _state, (name, added)]);
            return added;
        }
    }

    /// <summary>Whether parameter <paramref name="index"/> has a buffer named <paramref name="name"/> yet (one made by a step or loaded).</summary>
    protected bool HasState(string name, int index) => Buffers(name, create: false) is { } buffers && Volatile.Read(ref buffers[index]) is not null;

    /// <summary>Parameter <paramref name="index"/>'s buffer named <paramref name="name"/> (one of <see cref="StateNames"/>), zero on first use.</summary>
    protected Span<T> State(string name, int index)
    {
        var buffers = Buffers(name, create: true)!;
        if (Volatile.Read(ref buffers[index]) is { } existing) return existing;
        lock (_stateLock) return buffers[index] ??= Allocation.Array<T>(Parameters[index].Size, $"the optimizer's {name} of a parameter", zeroed: true);
    }

    /// <summary>Elements [<paramref name="offset"/>, offset + <paramref name="length"/>) of <see cref="State(string, int)"/>: the state of one chunk of an update.</summary>
    protected Span<T> State(string name, int index, int offset, int length) => State(name, index).Slice(offset, length);

    /// <summary>
    /// A copy of everything the next steps depend on besides the parameters: step count, learning rate and
    /// the state buffers created so far. <see cref="LoadState"/> on an optimizer of the same kind over
    /// parameters of the same shapes continues bit for bit. <see cref="Serialization.Checkpoint"/> stores it.
    /// </summary>
    public OptimizerState<T> GetState()
    {
        var buffers = new List<OptimizerStateBuffer<T>>();
        foreach (var name in StateNames)
            if (Buffers(name, create: false) is { } perParameter)
                for (int i = 0; i < perParameter.Length; i++)
                    if (perParameter[i] is { } values) buffers.Add(new(i, name, (T[])values.Clone()));
        return new OptimizerState<T>(StepCount, LearningRate, buffers, Groups.Count > 1 ? Groups.Select(g => g.LearningRate).ToList() : null);
    }

    /// <summary>Restores a state from <see cref="GetState"/>; checks every buffer before changing anything.</summary>
    public void LoadState(OptimizerState<T> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.StepCount < 0) throw new ArgumentException($"{GetType().Name}: step count {state.StepCount} is negative.");
        foreach (var b in state.Buffers)
        {
            if (!StateNames.Contains(b.Name))
                throw new ArgumentException($"{GetType().Name} keeps no state named '{b.Name}' (it keeps {string.Join(", ", StateNames)}).");
            if (b.ParameterIndex < 0 || b.ParameterIndex >= Parameters.Count)
                throw new ArgumentException($"{GetType().Name}: state '{b.Name}' is for parameter {b.ParameterIndex}, but the optimizer has {Parameters.Count} parameters.");
            if (b.Values.Length != Parameters[b.ParameterIndex].Size)
                throw new ArgumentException($"{GetType().Name}: state '{b.Name}' of parameter {b.ParameterIndex} has {b.Values.Length} values for a parameter of shape {Parameters[b.ParameterIndex].Shape}.");
        }
        if (state.GroupLearningRates is { } rates && rates.Count != Groups.Count)
            throw new ArgumentException($"{GetType().Name}: the state holds learning rates for {rates.Count} parameter groups, the optimizer has {Groups.Count}.");
        _state = [];
        foreach (var b in state.Buffers) b.Values.CopyTo(State(b.Name, b.ParameterIndex));
        StepCount = state.StepCount;
        LearningRate = state.LearningRate;
        if (state.GroupLearningRates is { } groupRates)
            for (int g = 0; g < Groups.Count; g++) Groups[g].LearningRate = groupRates[g];
    }
}

/// <summary>One per-parameter buffer of an optimizer's state.</summary>
/// <param name="ParameterIndex">Position of the parameter in <see cref="Optimizer{T}.Parameters"/>.</param>
/// <param name="Name">The buffer's name, one of <see cref="Optimizer{T}.StateNames"/>.</param>
/// <param name="Values">The values, as many as the parameter has.</param>
public sealed record OptimizerStateBuffer<T>(int ParameterIndex, string Name, T[] Values) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>An optimizer's state apart from the parameters (see <see cref="Optimizer{T}.GetState"/>).</summary>
/// <param name="StepCount">Steps taken (Adam's bias correction depends on it).</param>
/// <param name="LearningRate">The learning rate in force (schedules change it).</param>
/// <param name="Buffers">The state buffers created so far; a missing buffer is all zeros.</param>
/// <param name="GroupLearningRates">Each parameter group's rate, when there are several groups (else null: <paramref name="LearningRate"/> is the one).</param>
public sealed record OptimizerState<T>(long StepCount, double LearningRate, IReadOnlyList<OptimizerStateBuffer<T>> Buffers,
    IReadOnlyList<double>? GroupLearningRates = null) where T : unmanaged, IFloatingPointIeee754<T>;
