using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Framework;

/// <summary>The training and evaluation loops the experiments share.</summary>
public static class Training
{
    /// <summary>
    /// One epoch of classification training. Returns the loss and accuracy averaged over the epoch's
    /// batches as they were trained (what Keras reports as the epoch's training metrics).
    /// </summary>
    public static (double Loss, double Accuracy) ClassificationEpoch(Module<float> model, Optimizer<float> optimizer, DataLoader loader, int epoch, CancellationToken cancellation)
    {
        double lossSum = 0;
        long correct = 0, seen = 0;
        model.Train();
        foreach (var batch in loader.Epoch(epoch))
        {
            cancellation.ThrowIfCancellationRequested();
            // The step's intermediate tensors return to the pool when the step ends.
            using var scope = TensorPool.BeginScope();
            Tensor<float> logits = null!;
            double loss = Step(optimizer, () => Loss.SoftmaxCrossEntropy(logits = model.Forward(batch.Images), batch.Labels), epoch + 1, batch.Index + 1);
            // The product in float, as the stored results (and the golden hashes) were made with.
            lossSum += (float)loss * batch.Count;
            correct += CountCorrect(logits, batch.Labels);
            seen += batch.Count;
        }
        return (lossSum / Math.Max(1, seen), correct / (double)Math.Max(1, seen));
    }

    /// <summary>
    /// One optimization step, the one every training loop of the experiments takes: zero the gradients, compute the
    /// loss, backpropagate, stop on a non-finite loss (<see cref="EnsureFinite"/>, naming <paramref name="epoch"/> and
    /// <paramref name="step"/>), let <paramref name="beforeUpdate"/> see the loss and read the gradients, update. Returns the loss. Runs
    /// in the caller's <see cref="TensorPool"/> scope, so the caller can still read what <paramref name="loss"/> made.
    /// </summary>
    public static double Step<T>(Optimizer<T> optimizer, Func<Tensor<T>> loss, int epoch, int step, Action<double>? beforeUpdate = null, string what = "training loss")
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        optimizer.ZeroGrad();
        var value = loss();
        value.Backward();
        double item = double.CreateChecked(value.Item());
        EnsureFinite(item, epoch, step, what);
        beforeUpdate?.Invoke(item);
        optimizer.Step();
        return item;
    }

    /// <summary>
    /// Trains an image MLP (flatten, then <paramref name="widths"/>) for <paramref name="epochs"/> epochs with a
    /// seeded init and order, reporting progress; <paramref name="afterEpoch"/> sees the model after each epoch.
    /// With a <paramref name="checkpoint"/>, a killed run resumes after its last saved epoch (the callback's
    /// points belong in <see cref="RunCheckpoint.Points"/> so they are saved with it).
    /// </summary>
    public static Sequential<float> TrainMlp(ExperimentContext context, string run, int[] widths, ImageDataset train, int batchSize, int epochs,
        Func<IReadOnlyList<Tensor<float>>, Optimizer<float>> optimizer, long seed, Action<int, Sequential<float>>? afterEpoch = null,
        RunCheckpoint? checkpoint = null)
    {
        var random = new SeededRandom(seed);
        var model = Models.Hw1Models.ImageMlp(random, widths);
        var opt = optimizer(model.Parameters());
        var loader = new DataLoader(train, batchSize, shuffle: true, seed: seed);
        int done = checkpoint?.Resume(model, opt) ?? 0;
        for (int epoch = done + 1; epoch <= epochs; epoch++)
        {
            var (loss, accuracy) = ClassificationEpoch(model, opt, loader, epoch - 1, context.Cancellation);
            context.Progress.Epoch(run, epoch, epochs, loss, accuracy);
            afterEpoch?.Invoke(epoch, model);
            checkpoint?.EpochFinished(model, opt, epoch);
        }
        return model;
    }

    /// <summary>Mean cross-entropy and accuracy of the model on a whole dataset (no gradients); see <see cref="Evaluation.Evaluate"/>.</summary>
    public static (double Loss, double Accuracy) Evaluate(Module<float> model, ImageDataset dataset, int batchSize = 1000, Normalization? normalization = null) =>
        Evaluation.Evaluate(model, dataset, batchSize, normalization);

    /// <summary>
    /// Stops a run whose loss is NaN or infinite, naming the epoch and step (1-based), before the optimizer
    /// writes a NaN into every weight: a diverged run must not go on to draw normal-looking charts. A NaN in
    /// the gradients alone shows in the next step's loss.
    /// </summary>
    public static void EnsureFinite(double loss, int epoch, int step, string what = "training loss")
    {
        if (double.IsFinite(loss)) return;
        throw new NonFiniteException($"The {what} is {loss} at epoch {epoch}, step {step}: the run diverged (a learning rate too large, or NaN in the data). " +
            "Its last checkpoint is kept; AnomalyMode.Enable() around a step names the first op that produces a non-finite value.");
    }

    /// <summary>How many rows of <paramref name="logits"/> have their maximum at the label.</summary>
    public static int CountCorrect(Tensor<float> logits, ReadOnlySpan<int> labels) => Evaluation.CountCorrect(logits, labels);
}
