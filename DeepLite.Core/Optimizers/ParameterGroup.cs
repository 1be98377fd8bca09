using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Optimizers;

/// <summary>
/// Parameters that share a learning rate and a weight decay within one optimizer (PyTorch's param groups, the dicts
/// <c>{'params': ..., 'lr': ..., 'weight_decay': ...}</c>): nanoGPT decays its 2-D weights and not its biases and norms.
/// A rate or decay left out is the optimizer's. Schedulers set each group's rate from that group's initial rate.
/// </summary>
public sealed class ParameterGroup<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a group; <paramref name="learningRate"/> and <paramref name="weightDecay"/> override the optimizer's.</summary>
    public ParameterGroup(IEnumerable<Tensor<T>> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToList();
        if (learningRate is { } lr && !(lr >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"A group's learning rate must be non-negative, got {lr}.");
        if (weightDecay is { } wd && !(wd >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"A group's weight decay must be non-negative, got {wd}.");
        RequestedLearningRate = learningRate; RequestedWeightDecay = weightDecay;
    }

    /// <summary>The group's parameters.</summary>
    public IReadOnlyList<Tensor<T>> Parameters { get; }

    /// <summary>The group's learning rate now (schedulers change it); non-negative.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set => _learningRate = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), $"A learning rate must be non-negative, got {value}.");
    }
    private double _learningRate;

    /// <summary>The group's weight decay.</summary>
    public double WeightDecay { get; internal set; }

    /// <summary>The rate the first scheduler found (PyTorch's <c>initial_lr</c>): every scheduler's base rate for this group.</summary>
    public double? InitialLearningRate { get; internal set; }

    internal double? RequestedLearningRate { get; }
    internal double? RequestedWeightDecay { get; }
}
