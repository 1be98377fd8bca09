using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Tensors;

namespace DeepLite.Training;

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
    /// Mean softmax cross-entropy and accuracy of <paramref name="model"/> on every sample of <paramref name="dataset"/>
    /// (normalized as the dataset is), in evaluation mode and without gradients (the model's mode is restored).
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate(Module<float> model, ImageDataset dataset, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        using var _ = GradMode.Disable();
        bool training = model.IsTraining;
        model.Eval();
        double lossSum = 0;
        long correct = 0;
        foreach (var batch in new DataLoader(dataset, batchSize, shuffle: false).Epoch(0))
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
