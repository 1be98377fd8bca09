using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

namespace DeepLite.Experiments.Framework;

/// <summary>How the MLP experiments train: one seeded model, loader and optimizer, epochs of <see cref="Trainer.ClassificationEpoch"/>, progress and checkpoints.</summary>
public static class MlpTraining
{
    /// <summary>
    /// Trains an image model (<paramref name="description"/>, on the data's image shape and classes) for <paramref name="epochs"/> epochs with a
    /// seeded init and order, reporting progress; <paramref name="afterEpoch"/> sees the model after each epoch.
    /// With a <paramref name="checkpoint"/>, a killed run resumes after its last saved epoch (the callback's
    /// points belong in <see cref="RunCheckpoint.Points"/> so they are saved with it). A unit that trains several models
    /// reports them as its own epochs: <paramref name="epochOffset"/> and <paramref name="unitEpochs"/> place this training's
    /// epochs within the unit's (the second of two 20-epoch trainings reports epochs 21..40 of 40).
    /// </summary>
    public static Sequential<float> Train(ExperimentContext context, string run, Models.ModelDescription description, ImageDataset train, int batchSize, int epochs,
        Func<IReadOnlyList<Tensor<float>>, Optimizer<float>> optimizer, long seed, Action<int, Sequential<float>>? afterEpoch = null,
        RunCheckpoint? checkpoint = null, int epochOffset = 0, int? unitEpochs = null)
    {
        var random = new SeededRandom(seed);
        var model = description.Build<float>([train.Channels, train.Height, train.Width], train.ClassNames.Count, random);
        var opt = optimizer(model.Parameters());
        var loader = new DataLoader(train, batchSize, shuffle: true, seed: seed);
        int done = checkpoint?.Resume(model, opt) ?? 0;
        for (int epoch = done + 1; epoch <= epochs; epoch++)
        {
            var (loss, accuracy) = Trainer.ClassificationEpoch(model, opt, loader, epoch - 1, cancellation: context.Cancellation);
            context.Progress.Epoch(run, epochOffset + epoch, unitEpochs ?? epochs, loss, accuracy);
            afterEpoch?.Invoke(epoch, model);
            checkpoint?.EpochFinished(model, opt, epoch);
        }
        return model;
    }
}
