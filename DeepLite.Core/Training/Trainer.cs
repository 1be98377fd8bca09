using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Training;

/// <summary>
/// The training loop a PyTorch user writes by hand, written once: <see cref="Step{T}"/> is
/// <c>optimizer.zero_grad(); loss = f(); loss.backward(); clip_grad_norm_(...); optimizer.step()</c> with a check that
/// the loss is finite; <see cref="ClassificationEpoch"/> runs it over one epoch of a <see cref="DataLoader"/>.
/// </summary>
public static class Trainer
{
    /// <summary>
    /// One optimization step: zero the gradients of <paramref name="optimizer"/>'s parameters, compute <paramref name="loss"/>
    /// (the forward pass and the loss), backpropagate, stop on a non-finite loss (<see cref="EnsureFinite"/>: a
    /// <see cref="NonFiniteException"/> before the update writes NaN into every weight), clip the gradients' total norm
    /// to <paramref name="maxGradientNorm"/> if given (<see cref="GradientClipping.ClipByNorm{T}"/>), let
    /// <paramref name="beforeUpdate"/> see the loss and read the gradients, update. Returns the loss.
    /// </summary>
    /// <remarks>
    /// The step runs in its own <see cref="TensorPool"/> scope: every tensor <paramref name="loss"/> makes goes back to the
    /// pool when the step returns, so read what you need from them (the logits' accuracy) inside <paramref name="loss"/>.
    /// <paramref name="epoch"/> and <paramref name="step"/>, when given, are named by the error (1-based, as printed).
    /// </remarks>
    public static double Step<T>(Optimizer<T> optimizer, Func<Tensor<T>> loss, double? maxGradientNorm = null, Action<double>? beforeUpdate = null,
        int? epoch = null, int? step = null, string what = "training loss") where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        using var scope = TensorPool.BeginScope();
        optimizer.ZeroGrad();
        var value = loss();
        value.Backward();
        double item = double.CreateChecked(value.Item());
        EnsureFinite(item, what, epoch, step);
        if (maxGradientNorm is { } maxNorm) GradientClipping.ClipByNorm(optimizer.Parameters, maxNorm);
        beforeUpdate?.Invoke(item);
        optimizer.Step();
        return item;
    }

    /// <summary>
    /// One epoch of classification training (Keras' <c>fit</c> for one epoch): the model in training mode, one
    /// <see cref="Step{T}"/> of softmax cross-entropy per batch of <paramref name="loader"/>'s epoch
    /// <paramref name="epoch"/> (0-based, it seeds the shuffle). Returns the loss and accuracy averaged over the epoch's
    /// samples as they were trained (what Keras reports as the epoch's training metrics).
    /// </summary>
    public static (double Loss, double Accuracy) ClassificationEpoch(Module<float> model, Optimizer<float> optimizer, DataLoader loader, int epoch,
        double? maxGradientNorm = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loader);
        double lossSum = 0;
        long correct = 0, seen = 0;
        model.Train();
        foreach (var batch in loader.Epoch(epoch))
        {
            cancellation.ThrowIfCancellationRequested();
            double loss = Step(optimizer, () =>
            {
                var logits = model.Forward(batch.Images);
                correct += Evaluation.CountCorrect(logits, batch.Labels);
                return Loss.SoftmaxCrossEntropy(logits, batch.Labels);
            }, maxGradientNorm, epoch: epoch + 1, step: batch.Index + 1);
            // The product in float: the experiments' stored results (and their golden hashes) were made with it.
            lossSum += (float)loss * batch.Count;
            seen += batch.Count;
        }
        return (lossSum / Math.Max(1, seen), correct / (double)Math.Max(1, seen));
    }

    /// <summary>
    /// Throws a <see cref="NonFiniteException"/> when <paramref name="value"/> (a loss) is NaN or infinite, naming
    /// <paramref name="what"/> and, when given, the epoch and step: a diverged run must not go on to draw normal-looking
    /// charts. A NaN in the gradients alone shows in the next step's loss.
    /// </summary>
    public static void EnsureFinite(double value, string what = "training loss", int? epoch = null, int? step = null)
    {
        if (double.IsFinite(value)) return;
        var at = (epoch, step) switch
        {
            ({ } e, { } s) => $" at epoch {e}, step {s}",
            ({ } e, null) => $" at epoch {e}",
            (null, { } s) => $" at step {s}",
            _ => "",
        };
        throw new NonFiniteException($"The {what} is {value}{at}: the run diverged (a learning rate too large, or NaN in the data). " +
            "AnomalyMode.Enable() around a step names the first op that produces a non-finite value.");
    }
}
