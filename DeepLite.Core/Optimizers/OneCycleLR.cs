using System.Numerics;

namespace DeepLite.Optimizers;

/// <summary>How <see cref="OneCycleLR{T}"/> moves between its rates (PyTorch's <c>anneal_strategy</c>).</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine (PyTorch's 'cos', the default).</summary>
    Cosine,
    /// <summary>A straight line (PyTorch's 'linear').</summary>
    Linear,
}

/// <summary>
/// PyTorch's <c>OneCycleLR</c> (Smith and Topin 2018), stepped once per batch for <c>totalSteps</c> steps: the rate rises
/// from maxLr / divFactor to maxLr over the first pctStart of the steps, then falls to maxLr / divFactor / finalDivFactor
/// (with threePhase: back to the start over as many steps, then to the minimum). With cycleMomentum (the default) the
/// momentum (SGD's momentum, Adam's β1) moves the other way, between maxMomentum and baseMomentum. The optimizer's own
/// rate is not used: every group follows the same cycle. Stepping past totalSteps throws, as PyTorch's.
/// </summary>
public sealed class OneCycleLR<T> : LearningRateScheduler<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (double End, double StartRate, double EndRate, double StartMomentum, double EndMomentum)[] _phases;
    private readonly AnnealStrategy _anneal;
    private readonly bool _cycleMomentum;

    /// <summary>Creates the schedule with PyTorch's defaults, and sets the first step's rate (and momentum).</summary>
    public OneCycleLR(Optimizer<T> optimizer, double maxLearningRate, int totalSteps, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cosine,
        bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false)
        : base(optimizer)
    {
        if (!(maxLearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(maxLearningRate), $"OneCycleLR: the largest rate must be positive, got {maxLearningRate}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(pctStart is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(pctStart), $"OneCycleLR: pctStart must be in (0, 1), got {pctStart}.");
        if (!(divFactor > 0) || !(finalDivFactor > 0)) throw new ArgumentOutOfRangeException(nameof(divFactor), "OneCycleLR: the division factors must be positive.");
        if (cycleMomentum && optimizer is not (Sgd<T> or Adam<T>))
            throw new ArgumentException($"OneCycleLR: {optimizer.GetType().Name} has no momentum or β1 to cycle; pass cycleMomentum: false.");
        if (cycleMomentum && optimizer is Sgd<T> { Momentum: 0 })
            throw new ArgumentException("OneCycleLR: cycling the momentum needs an SGD made with a positive momentum; pass cycleMomentum: false.");
        double initial = maxLearningRate / divFactor, minimum = initial / finalDivFactor;
        TotalSteps = totalSteps; _anneal = annealStrategy; _cycleMomentum = cycleMomentum;
        _phases = threePhase
            ? [(pctStart * totalSteps - 1, initial, maxLearningRate, maxMomentum, baseMomentum),
               (2 * pctStart * totalSteps - 2, maxLearningRate, initial, baseMomentum, maxMomentum),
               (totalSteps - 1, initial, minimum, maxMomentum, maxMomentum)]
            : [(pctStart * totalSteps - 1, initial, maxLearningRate, maxMomentum, baseMomentum),
               (totalSteps - 1, maxLearningRate, minimum, baseMomentum, maxMomentum)];
        StepTo(0);
    }

    /// <summary>The number of steps in the cycle.</summary>
    public int TotalSteps { get; }

    /// <inheritdoc/>
    public override double RateAt(int epoch, double baseRate) => At(epoch).Rate;

    /// <inheritdoc/>
    protected override void OnStep(int epoch)
    {
        if (!_cycleMomentum) return;
        double momentum = At(epoch).Momentum;
        if (Optimizer is Sgd<T> sgd) sgd.Momentum = momentum;
        else if (Optimizer is Adam<T> adam) adam.Beta1 = momentum;
    }

    /// <summary>PyTorch's get_lr: the phase holding the step, and the position in it.</summary>
    private (double Rate, double Momentum) At(int step)
    {
        if (step > TotalSteps) throw new InvalidOperationException($"OneCycleLR: tried to step {step} times; the cycle has {TotalSteps} steps.");
        double start = 0;
        for (int i = 0; i < _phases.Length; i++)
        {
            var phase = _phases[i];
            if (step <= phase.End || i == _phases.Length - 1)
            {
                double pct = (step - start) / (phase.End - start);
                return (Anneal(phase.StartRate, phase.EndRate, pct), Anneal(phase.StartMomentum, phase.EndMomentum, pct));
            }
            start = phase.End;
        }
        throw new InvalidOperationException("unreachable");
    }

    private double Anneal(double from, double to, double pct) =>
        _anneal == AnnealStrategy.Cosine ? to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1) : (to - from) * pct + from;
}
