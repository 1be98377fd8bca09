using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>
/// PyTorch's <c>LinearLR</c>, a linear warm-up: the base rate times a factor going linearly from <c>startFactor</c> to
/// <c>endFactor</c> over <c>epochs</c> epochs, then staying at <c>endFactor</c>. The start factor applies at once: the
/// constructor sets each group's rate to base·startFactor (as PyTorch's, whose constructor takes the first step), so
/// the first epoch trains at it; epoch e (after e calls of Step) trains at base·(start + (end - start)·min(e, epochs) / epochs).
/// </summary>
public sealed class LinearLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _start, _end;
    private readonly int _epochs;

    /// <summary>Creates the schedule (PyTorch's defaults: a third of the rate up to the full rate over 5 epochs).</summary>
    public LinearLR(Optimizer<T> optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int epochs = 5) : base(optimizer)
    {
        if (!(startFactor > 0 && startFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(startFactor), $"LinearLR: the start factor must be in (0, 1], got {startFactor}.");
        if (!(endFactor >= 0 && endFactor <= 1)) throw new ArgumentOutOfRangeException(nameof(endFactor), $"LinearLR: the end factor must be in [0, 1], got {endFactor}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        (_start, _end, _epochs) = (startFactor, endFactor, epochs);
        StepTo(0);
    }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => baseRate * (_start + (_end - _start) * Math.Min(epoch, _epochs) / _epochs);
}
