using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>
/// Changes an optimizer's learning rate by epoch (PyTorch's <c>torch.optim.lr_scheduler.LRScheduler</c>): created
/// after the optimizer (its learning rate then is the base rate), <see cref="Step"/> called once at the end of each
/// epoch. The rate at an epoch is a closed form of the base rate and the epoch (PyTorch's
/// <c>_get_closed_form_lr</c>), so a resumed run that calls <see cref="StepTo"/> gets the rate an uninterrupted run had.
/// </summary>
public abstract class LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Takes the optimizer's current learning rate as the base rate.</summary>
    protected LearningRateScheduler(Optimizer<T> optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        BaseLearningRate = optimizer.LearningRate;
    }

    /// <summary>The optimizer whose rate this sets.</summary>
    public Optimizer<T> Optimizer { get; }

    /// <summary>The learning rate at epoch 0.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Epochs stepped so far (PyTorch's <c>last_epoch</c>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The learning rate at <paramref name="epoch"/> (0 is the base rate).</summary>
    public abstract double RateAt(int epoch);

    /// <summary>Ends an epoch: sets the optimizer's rate to that of the next one.</summary>
    public void Step() => StepTo(Epoch + 1);

    /// <summary>Sets the optimizer's rate to that of <paramref name="epoch"/> (to resume a run after its finished epochs).</summary>
    public void StepTo(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        Optimizer.LearningRate = RateAt(epoch);
    }
}
