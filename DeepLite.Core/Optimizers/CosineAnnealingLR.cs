using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c>: from the base rate down to <c>minimum</c> along half a cosine over
/// <c>epochs</c> epochs: minimum + (base - minimum)(1 + cos(π epoch / epochs)) / 2. Past T_max the closed form goes
/// on, as PyTorch's: the rate rises again along the cosine (back to the base rate at 2·T_max); stop stepping, or follow it
/// with another schedule in a <see cref="SequentialLR{T}"/>, to hold the minimum.
/// </summary>
public sealed class CosineAnnealingLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _epochs;
    private readonly double _minimum;

    /// <summary>Creates the schedule (PyTorch's T_max = <paramref name="epochs"/>, eta_min = <paramref name="minimum"/>).</summary>
    public CosineAnnealingLR(Optimizer<T> optimizer, int epochs, double minimum = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        (_epochs, _minimum) = (epochs, minimum);
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => _minimum + (baseRate - _minimum) * (1 + Math.Cos(Math.PI * epoch / _epochs)) / 2;
}
