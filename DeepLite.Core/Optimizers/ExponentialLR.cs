using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>PyTorch's <c>ExponentialLR</c>: the base rate times gamma^epoch.</summary>
public sealed class ExponentialLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public ExponentialLR(Optimizer<T> optimizer, double gamma) : base(optimizer)
    {
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"ExponentialLR: gamma must be positive, got {gamma}.");
        _gamma = gamma;
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * Math.Pow(_gamma, epoch);
}
