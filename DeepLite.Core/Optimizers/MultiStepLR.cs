using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>PyTorch's <c>MultiStepLR</c>: the base rate times <c>gamma</c> once for each milestone reached (epoch ≥ milestone).</summary>
public sealed class MultiStepLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _milestones;
    private readonly double _gamma;

    /// <summary>Creates the schedule (milestones in epochs, increasing).</summary>
    public MultiStepLR(Optimizer<T> optimizer, int[] milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        if (milestones.Any(m => m < 0) || milestones.Zip(milestones.Skip(1), (a, b) => b < a).Any(x => x))
            throw new ArgumentException($"MultiStepLR: milestones must be non-negative and increasing, got [{string.Join(", ", milestones)}].");
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"MultiStepLR: gamma must be positive, got {gamma}.");
        (_milestones, _gamma) = ((int[])milestones.Clone(), gamma);
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * Math.Pow(_gamma, _milestones.Count(m => m <= epoch));
}
