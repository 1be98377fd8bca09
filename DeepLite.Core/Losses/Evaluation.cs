using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Losses;

/// <summary>Classification metrics: accuracy of a batch of logits, and loss and accuracy of a model over a whole dataset.</summary>
public static class Evaluation
{
    /// <summary>How many rows of <paramref name="logits"/> ([N, classes]) have their largest value at the row's label.</summary>
    public static int CountCorrect(Tensor<float> logits, ReadOnlySpan<int> labels)
    {
        if (logits.Rank != 2 || logits.Shape[0] != labels.Length)
            throw new ArgumentException($"CountCorrect needs logits of shape [N, classes] for {labels.Length} labels, got {logits.Shape}.");
        var predicted = logits.ArgMax(1);
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) correct++;
        return correct;
    }

    /// <summary>
    /// Mean softmax cross-entropy and accuracy of <paramref name="model"/> on every sample of
    /// <paramref name="dataset"/>, in evaluation mode and without gradients (the model's mode is restored).
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A <see cref="DataLoader"/> over a dataset of the same origin (the other split of its
    /// <see cref="DatasetSplits"/>, or one derived from it) normalizes its batches, and
    /// <paramref name="normalization"/> is missing or different: the model would be scored on inputs unlike
    /// those it was trained on (68.7 % instead of 87.9 % on MNIST), so pass the loader's normalization.
    /// </exception>
    public static (double Loss, double Accuracy) Evaluate(Module<float> model, ImageDataset dataset, int batchSize = 1000, Normalization? normalization = null)
    {
        if (dataset.Family.Training is var (trained, from) && !trained.SameAs(normalization))
            throw new ArgumentException($"Evaluate({dataset.Name}) got {(normalization is null ? "no normalization" : $"normalization {normalization}")}, " +
                $"but a DataLoader over {from} normalizes its batches with {trained}: pass normalization: the loader's, or the model is scored on inputs unlike its training data.", nameof(normalization));
        using var _ = GradMode.Disable();
        bool training = model.IsTraining;
        model.Eval();
        double lossSum = 0;
        long correct = 0;
        foreach (var batch in new DataLoader(dataset, batchSize, shuffle: false, normalization: normalization).Epoch(0))
        {
            // The batch's intermediate tensors return to the pool at the end of each iteration.
            using var scope = TensorPool.BeginScope();
            var logits = model.Forward(batch.Images);
            lossSum += Loss.SoftmaxCrossEntropy(logits, batch.Labels, Reduction.Sum).Item();
            correct += CountCorrect(logits, batch.Labels);
        }
        if (training) model.Train();
        return (lossSum / Math.Max(1, dataset.Count), correct / (double)Math.Max(1, dataset.Count));
    }
}
