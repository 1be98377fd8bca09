using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>PyTorch's <c>StepLR</c>: the base rate times <c>gamma</c> every <c>stepSize</c> epochs.</summary>
public sealed class StepLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public StepLR(Optimizer<T> optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"StepLR: gamma must be positive, got {gamma}.");
        (_stepSize, _gamma) = (stepSize, gamma);
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * Math.Pow(_gamma, epoch / _stepSize);
}
