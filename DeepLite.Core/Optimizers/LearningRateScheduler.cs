using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>
/// Changes an optimizer's learning rate by epoch (PyTorch's <c>torch.optim.lr_scheduler.LRScheduler</c>): created
/// after the optimizer, <see cref="Step"/> called once at the end of each epoch (or each iteration, for schedules counted
/// in iterations). Each parameter group's base rate is its rate when the first scheduler over the optimizer was made
/// (PyTorch's <c>initial_lr</c>), so schedulers made one after another (for <see cref="SequentialLR{T}"/>) share it.
/// The rate at an epoch is a closed form of the base rate and the epoch (PyTorch's <c>_get_closed_form_lr</c>), so a
/// resumed run that calls <see cref="StepTo"/> gets the rate an uninterrupted run had.
/// </summary>
public abstract class LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Takes each group's initial learning rate (its current one, if no scheduler took it before) as its base rate.</summary>
    protected LearningRateScheduler(Optimizer<T> optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        foreach (var group in optimizer.Groups) group.InitialLearningRate ??= group.LearningRate;
        BaseLearningRates = optimizer.Groups.Select(g => g.InitialLearningRate!.Value).ToList();
    }

    /// <summary>The optimizer whose rate this sets.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>The first group's base rate.</summary>
    public double BaseLearningRate => BaseLearningRates[0];

    /// <summary>Each group's base rate.</summary>
    public IReadOnlyList<double> BaseLearningRates { get; }

    /// <summary>Epochs stepped so far (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The first group's learning rate at <paramref name="epoch"/>.</summary>
    public double RateAt(int epoch) => RateAt(epoch, BaseLearningRate);

    /// <summary>The learning rate at <paramref name="epoch"/> of a group whose base rate is <paramref name="baseRate"/>.</summary>
    public abstract double RateAt(int epoch, double baseRate);

    /// <summary>Ends an epoch: sets the optimizer's rate to that of the next one.</summary>
    public void Step() => StepTo(Epoch + 1);

    /// <summary>Sets each group's rate to that of <paramref name="epoch"/> (to resume a run after its finished epochs).</summary>
    public void StepTo(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        for (int g = 0; g < Optimizer.Groups.Count; g++) Optimizer.Groups[g].LearningRate = RateAt(epoch, BaseLearningRates[g]);
        OnStep(epoch);
    }

    /// <summary>Called after the rates of <paramref name="epoch"/> are set: the place for what else a schedule sets (momentum).</summary>
    protected virtual void OnStep(int epoch) { }
}
