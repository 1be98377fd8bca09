using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

namespace DeepLite.Tests.Training;

/// <summary>The library's step and epoch do exactly what the loop written by hand does, and stop a diverging run.</summary>
public class TrainerTests
{
    private static (Sequential<double> Model, Sgd<double> Optimizer) Mlp(int seed)
    {
        var random = new SeededRandom(seed);
        var model = new Sequential<double>(new Dense<double>(3, 5, random), new Tanh<double>(), new Dense<double>(5, 2, random));
        return (model, new Sgd<double>(model.Parameters(), 0.3, momentum: 0.9));
    }

    private static readonly Tensor<double> X = Tensor.FromArray(new double[] { 0.5, -1, 2, 1, 0.25, -0.5, -2, 1, 0 }, 3, 3);
    private static readonly int[] Labels = [1, 0, 1];

    [Theory]
    [InlineData(null)]
    [InlineData(0.05)]
    public void AStepIsTheHandWrittenStep(double? maxNorm)
    {
        var (byHand, handOptimizer) = Mlp(4);
        var (library, optimizer) = Mlp(4);
        for (int i = 0; i < 5; i++)
        {
            handOptimizer.ZeroGrad();
            var loss = Loss.SoftmaxCrossEntropy(byHand.Forward(X), Labels);
            loss.Backward();
            if (maxNorm is { } m) GradientClipping.ClipByNorm(byHand.Parameters(), m);
            handOptimizer.Step();

            double value = Trainer.Step(optimizer, () => Loss.SoftmaxCrossEntropy(library.Forward(X), Labels), maxGradientNorm: maxNorm);
            Assert.Equal(loss.Item(), value);
        }
        foreach (var (a, b) in byHand.Parameters().Zip(library.Parameters())) Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void AStepReleasesWhatItMadeAndSeesTheGradientsBeforeTheUpdate()
    {
        var (model, optimizer) = Mlp(5);
        Tensor<double> logits = null!;
        double normSeen = 0;
        Trainer.Step(optimizer, () => Loss.SoftmaxCrossEntropy(logits = model.Forward(X), Labels),
            beforeUpdate: _ => normSeen = DeepLite.Analysis.GradientNorm.Of(model.Parameters()));
        Assert.True(normSeen > 0);
        // The step's own pool scope has ended: its tensors refuse to be read rather than show another step's numbers.
        Assert.Throws<InvalidOperationException>(() => logits.ToArray());
    }

    [Fact]
    public void ANonFiniteLossStopsTheStepBeforeTheUpdateNamingWhere()
    {
        var (model, optimizer) = Mlp(6);
        var before = model.Parameters().Select(p => p.ToArray()).ToList();
        var error = Assert.Throws<NonFiniteException>(() =>
            Trainer.Step(optimizer, () => Loss.SoftmaxCrossEntropy(model.Forward(X), Labels) * double.NaN, epoch: 3, step: 7));
        Assert.Contains("at epoch 3, step 7", error.Message);
        Assert.Equal(before, model.Parameters().Select(p => p.ToArray()).ToList());
        Assert.Contains("at step 2", Assert.Throws<NonFiniteException>(() => Trainer.EnsureFinite(double.PositiveInfinity, step: 2)).Message);
    }

    [Fact]
    public void AClassificationEpochReportsTheMeansOfWhatItTrained()
    {
        var splits = Experiments.ExperimentTestKit.Synthetic("mnist");
        var train = splits.Train; // 30 images: batches of 16 and 14
        var manual = Hw1Models.ImageMlp(new SeededRandom(2), 784, 16, 10);
        var library = Hw1Models.ImageMlp(new SeededRandom(2), 784, 16, 10);
        var manualOptimizer = new Sgd<float>(manual.Parameters(), 0.05);
        var libraryOptimizer = new Sgd<float>(library.Parameters(), 0.05);
        var loader = new DataLoader(train, 16, seed: 2);
        double lossSum = 0; long correct = 0;
        foreach (var batch in loader.Epoch(1))
        {
            manualOptimizer.ZeroGrad();
            var logits = manual.Forward(batch.Images);
            var loss = Loss.SoftmaxCrossEntropy(logits, batch.Labels);
            correct += Evaluation.CountCorrect(logits, batch.Labels);
            loss.Backward();
            manualOptimizer.Step();
            lossSum += loss.Item() * batch.Count;
        }
        var (meanLoss, accuracy) = Trainer.ClassificationEpoch(library, libraryOptimizer, loader, 1);
        Assert.Equal(lossSum / 30, meanLoss, 6);
        Assert.Equal(correct / 30.0, accuracy);
        foreach (var (a, b) in manual.Parameters().Zip(library.Parameters())) Assert.Equal(a.ToArray(), b.ToArray());
        Assert.Throws<OperationCanceledException>(() => Trainer.ClassificationEpoch(library, libraryOptimizer, loader, 2, cancellation: new CancellationToken(true)));
    }
}
