using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>Whether a metric should go down (a loss) or up (an accuracy), for <see cref="ReduceLROnPlateau{T}"/>.</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (PyTorch's 'min').</summary>
    Min,
    /// <summary>Higher is better ('max').</summary>
    Max,
}

/// <summary>
/// PyTorch's <c>ReduceLROnPlateau</c>: <see cref="Step(double)"/> takes the epoch's metric; after more than
/// <c>patience</c> epochs without an improvement (relative: better than best·(1 ∓ threshold); absolute with
/// <c>relativeThreshold: false</c>: better than best ∓ threshold) every group's rate is multiplied by <c>factor</c>, not below
/// <c>minLearningRate</c> (a change smaller than eps is skipped), and <c>cooldown</c> epochs pass before counting again.
/// Unlike the other schedules it depends on the metrics seen, not on the epoch alone.
/// </summary>
public sealed class ReduceLROnPlateau<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly PlateauMode _mode;
    private readonly double _factor, _threshold, _minLearningRate, _eps;
    private readonly int _patience, _cooldown;
    private readonly bool _relative;
    private int _cooldownCounter;

    /// <summary>Creates the schedule with PyTorch's defaults.</summary>
    public ReduceLROnPlateau(Optimizer<T> optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        bool relativeThreshold = true, int cooldown = 0, double minLearningRate = 0, double eps = 1e-8)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (!(factor is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLROnPlateau: the factor must be in (0, 1), got {factor}.");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (!(threshold >= 0) || !(minLearningRate >= 0) || !(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), "ReduceLROnPlateau: threshold, minimum rate and eps must be non-negative.");
        (_mode, _factor, _patience, _threshold, _relative, _cooldown, _minLearningRate, _eps) = (mode, factor, patience, threshold, relativeThreshold, cooldown, minLearningRate, eps);
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose rates this sets.</summary>
    public Optimizer<T> Optimizer { get; }
    /// <summary>The best metric so far.</summary>
    public double Best { get; private set; }
    /// <summary>Epochs since the last improvement (PyTorch's num_bad_epochs).</summary>
    public int BadEpochs { get; private set; }

    /// <summary>Ends an epoch with its <paramref name="metric"/>; returns whether the rates were reduced. A NaN metric counts as no improvement.</summary>
    public bool Step(double metric)
    {
        if (IsBetter(metric)) { Best = metric; BadEpochs = 0; }
        else BadEpochs++;
        if (_cooldownCounter > 0) { _cooldownCounter--; BadEpochs = 0; }
        if (BadEpochs <= _patience) return false;
        bool reduced = false;
        foreach (var group in Optimizer.Groups)
        {
            double old = group.LearningRate, rate = Math.Max(old * _factor, _minLearningRate);
            if (old - rate > _eps) { group.LearningRate = rate; reduced = true; }
        }
        _cooldownCounter = _cooldown;
        BadEpochs = 0;
        return reduced;
    }

    private bool IsBetter(double metric) => (_mode, _relative) switch
    {
        (PlateauMode.Min, true) => metric < Best * (1 - _threshold),
        (PlateauMode.Min, false) => metric < Best - _threshold,
        (PlateauMode.Max, true) => metric > Best * (1 + _threshold),
        _ => metric > Best + _threshold,
    };
}
