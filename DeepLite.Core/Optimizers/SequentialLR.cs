using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>
/// PyTorch's <c>SequentialLR</c>: schedule i runs from milestone i - 1 (0 for the first) to milestone i, counting its
/// epochs from 0 there: a linear warm-up, then a cosine decay, is
/// <c>new SequentialLR&lt;T&gt;(opt, [new LinearLR&lt;T&gt;(opt, 0.01, 1, 100), new CosineAnnealingLR&lt;T&gt;(opt, 1900, 1e-4)], [100])</c>.
/// Every schedule must be over this optimizer; they share each group's initial rate.
/// </summary>
public sealed class SequentialLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly LearningRateScheduler<T>[] _schedules;
    private readonly int[] _milestones;

    /// <summary>Creates the sequence: <paramref name="milestones"/> has one entry fewer than <paramref name="schedules"/>.</summary>
    public SequentialLR(Optimizer<T> optimizer, LearningRateScheduler<T>[] schedules, int[] milestones) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(schedules); ArgumentNullException.ThrowIfNull(milestones);
        if (schedules.Length == 0 || milestones.Length != schedules.Length - 1)
            throw new ArgumentException($"SequentialLR: {schedules.Length} schedules need {Math.Max(0, schedules.Length - 1)} milestones, got {milestones.Length}.");
        if (schedules.Any(s => s is null || !ReferenceEquals(s.Optimizer, optimizer)))
            throw new ArgumentException("SequentialLR: every schedule must be over the same optimizer as the sequence.");
        if (milestones.Any(m => m < 1) || milestones.Zip(milestones.Skip(1), (a, b) => b <= a).Any(x => x))
            throw new ArgumentException($"SequentialLR: milestones must be positive and increasing, got [{string.Join(", ", milestones)}].");
        (_schedules, _milestones) = ((LearningRateScheduler<T>[])schedules.Clone(), (int[])milestones.Clone());
        StepTo(0);
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate)
    {
        int i = _milestones.Count(m => m <= epoch);
        return _schedules[i].RateAt(epoch - (i > 0 ? _milestones[i - 1] : 0), baseRate);
    }
}
