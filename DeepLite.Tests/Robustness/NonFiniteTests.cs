using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;
using DeepLite.Training;

namespace DeepLite.Tests.Robustness;

/// <summary>No silent wrong number: NaN propagates, diverging runs stop, bad checkpoints and mismatched normalization are refused (issue #16).</summary>
public class NonFiniteTests
{
    [Fact]
    public void ReluKeepsNaNAtEveryLengthAndPosition()
    {
        for (int n = 1; n <= 40; n++)
            for (int at = 0; at < n; at++)
            {
                var values = Enumerable.Range(0, n).Select(i => i % 3 == 0 ? -1f - i : 1f + i).ToArray();
                values[at] = float.NaN;
                var y = Tensor.FromArray(values).Relu().ToArray();
                for (int i = 0; i < n; i++)
                    if (i == at) Assert.True(float.IsNaN(y[i]), $"length {n}: NaN at {at} became {y[i]}");
                    else Assert.Equal(Math.Max(values[i], 0f), y[i]);
            }
        Assert.True(double.IsNaN(Tensor.FromArray(new[] { double.NaN, 1.0 }).Relu()[0]));
        // The fused Conv2D + ReLU path too.
        var x = Tensor<float>.Full(float.NaN, 1, 1, 3, 3);
        var model = new Sequential<float>(new Conv2D<float>(1, 2, 3, new SeededRandom(1), padding: Padding.Same), new Relu<float>());
        Assert.All(model.Forward(x).ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void MaxPoolingReturnsNaNWhereverItIsInTheWindow()
    {
        // Rows of 2, 8, 16, 18 and 34 columns reach the scalar loop, the four-window and eight-window AVX2 steps and their tails.
        foreach (int width in new[] { 2, 8, 16, 18, 34 })
            for (int at = 0; at < 4; at++)
            {
                var x = Tensor<float>.Uniform(new Shape(1, 1, 2, width), 0, 1, new SeededRandom(width));
                int window = width / 2 - 1; // the last window of the row
                int index = (at / 2) * width + 2 * window + at % 2;
                x.Span[index] = float.NaN;
                var leaf = x.Clone(); leaf.RequiresGrad = true;
                var y = leaf.MaxPool2D();
                Assert.True(float.IsNaN(y.ToArray()[window]), $"width {width}: NaN at window position {at} was not the max");
                Assert.Equal(width / 2 - 1, y.ToArray().Count(v => !float.IsNaN(v)));
                // The gradient goes to the NaN, as in PyTorch.
                y.Sum().Backward();
                Assert.Equal(1f, leaf.Grad!.Span[index]);
            }
        // The general path (3x3 windows, padding), float and double.
        var general = Tensor<double>.Ones(1, 1, 3, 3);
        general.Span[8] = double.NaN;
        Assert.True(double.IsNaN(general.MaxPool2D(3, 1, Padding.Symmetric(1))[0, 0, 2, 2]));
    }

    [Fact]
    public void AnomalyModeNamesTheFirstOpThatProducesANonFiniteValue()
    {
        var x = Tensor.FromArray(new[] { 1.0, -1.0 }); x.RequiresGrad = true;
        _ = (x.Log() * 2.0).Sum(); // without the mode: NaN flows silently, as in PyTorch
        using (AnomalyMode.Enable())
        {
            var forward = Assert.Throws<NonFiniteException>(() => (x.Log() * 2.0).Sum());
            Assert.Contains("'Log'", forward.Message);
            Assert.Contains("finite inputs", forward.Message);
            // Backward: sqrt at 0 is finite, its derivative is not.
            var z = Tensor.FromArray(new[] { 0.0, 4.0 }); z.RequiresGrad = true;
            var loss = z.Pow(0.5).Sum();
            var backward = Assert.Throws<NonFiniteException>(() => loss.Backward());
            Assert.Contains("backward of 'Pow'", backward.Message);
        }
        Assert.False(AnomalyMode.IsEnabled);
    }

    [Fact]
    public void ADivergingRunStopsNamingEpochAndStep()
    {
        var random = new SeededRandom(3);
        var pixels = new byte[64 * 784]; new Random(3).NextBytes(pixels);
        var data = new ImageDataset("noise", pixels, Enumerable.Range(0, 64).Select(i => i % 10).ToArray(), 1, 28, 28, Enumerable.Range(0, 10).Select(i => $"{i}").ToArray());
        var model = Hw1Models.ImageMlp(random, 784, 32, 10);
        var optimizer = new Sgd<float>(model.Parameters(), learningRate: 1e30); // weights overflow to infinity within a few steps
        var loader = new DataLoader(data, 16, seed: 3);
        var error = Assert.Throws<NonFiniteException>(() =>
        {
            for (int epoch = 0; epoch < 5; epoch++) Trainer.ClassificationEpoch(model, optimizer, loader, epoch);
        });
        Assert.Matches(@"at epoch \d+, step \d+", error.Message);
    }

    [Fact]
    public void ACheckpointWithNonFiniteWeightsIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"deeplite-nan-{Guid.NewGuid():N}.safetensors");
        try
        {
            var model = Hw1Models.Mlp<float>(new SeededRandom(1), 3, 4, 2);
            var optimizer = new Adam<float>(model.Parameters());
            model.Parameters()[2].Span[1] = float.NaN;
            Checkpoint.Save(path, model, optimizer, epoch: 3);
            var fresh = Hw1Models.Mlp<float>(new SeededRandom(2), 3, 4, 2);
            var before = fresh.Parameters().Select(p => p.ToArray()).ToList();
            var error = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(path, fresh, new Adam<float>(fresh.Parameters())));
            Assert.Contains("layers.2.weight", error.Message);
            Assert.Contains("element 1 is NaN", error.Message);
            Assert.Equal(before, fresh.Parameters().Select(p => p.ToArray()).ToList()); // nothing changed
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoadWeightsSaysWhatItLoadedMissedAndIgnored()
    {
        var path = Path.Combine(Path.GetTempPath(), $"deeplite-keys-{Guid.NewGuid():N}.safetensors");
        try
        {
            var small = Hw1Models.Mlp<float>(new SeededRandom(1), 3, 4, 2);
            small.SaveWeights(path);
            var larger = new Sequential<float>(new Dense<float>(3, 4, new SeededRandom(2)), new Relu<float>(), new Dense<float>(4, 2, new SeededRandom(2)), new Dense<float>(2, 2, new SeededRandom(2)));
            var result = larger.LoadWeights(path, strict: false);
            Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"], result.Loaded);
            Assert.Equal(["layers.3.weight", "layers.3.bias"], result.MissingKeys);
            Assert.Empty(result.UnexpectedKeys);
            // A file of which nothing matches is not a silent no-op.
            var unrelated = new Sequential<float>(new Relu<float>(), new Dense<float>(3, 2, new SeededRandom(3)));
            Assert.Contains("nothing would be loaded", Assert.Throws<SafeTensorsFormatException>(() => unrelated.LoadWeights(path, strict: false)).Message);
            // A directory is named as one.
            Assert.Contains("is a directory", Assert.Throws<IOException>(() => small.LoadWeights(Path.GetTempPath())).Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NormalizationTravelsWithTheDataToLoadersAndEvaluation()
    {
        var splits = Experiments.ExperimentTestKit.Synthetic("mnist");
        var model = Hw1Models.ImageMlp(new SeededRandom(1), 784, 16, 10);
        var normalized = splits.Normalized(Normalization.Mnist);
        // Both splits, and every dataset derived from them, read normalized; the originals are untouched (views).
        Assert.Same(Normalization.Mnist, normalized.Test.Normalization);
        Assert.Same(Normalization.Mnist, normalized.Train.Take(5).WithPermutedLabels(1).Normalization);
        Assert.Null(splits.Test.Normalization);
        var batch = new DataLoader(normalized.Test, 4, shuffle: false).Epoch(0).First();
        Assert.Equal((splits.Test.Pixels.Span[300] / 255f - 0.1307f) / 0.3081f, batch.Images.Span[300], 5);
        // Evaluate scores what a loader over the same dataset yields: the logits of the normalized inputs.
        var (loss, _) = Evaluation.Evaluate(model, normalized.Test.Take(4));
        model.Eval();
        double expected;
        using (GradMode.Disable()) expected = Loss.SoftmaxCrossEntropy(model.Forward(normalized.Test.Take(4).ToTensor()), normalized.Test.Labels[..4]).Item();
        Assert.Equal(expected, loss, 5);
        Assert.NotEqual(expected, Evaluation.Evaluate(model, splits.Test.Take(4)).Loss, 3);
        // A normalization that does not fit the images is refused, naming the dataset.
        Assert.Contains(splits.Test.Name, Assert.Throws<ArgumentException>(() => splits.Test.Normalized(Normalization.Cifar10)).Message);
        Assert.Throws<ArgumentException>(() => splits.Test.Normalized(new Normalization([0f], [0f])));
    }

    [Fact]
    public void AChartSaysWhenItLeavesOutNonFiniteValues()
    {
        var clean = Charts.Create("t", "sub", new AxisSpec("x"), new AxisSpec("y"), [new Series("a", [(1, 1), (2, 2)])]);
        Assert.Equal("sub", clean.Subtitle);
        var withNaN = Charts.Create("t", "sub", new AxisSpec("x"), new AxisSpec("y"), [new Series("a", [(1, 1), (2, double.NaN), (3, double.PositiveInfinity)])]);
        Assert.Contains("2 non-finite value(s)", withNaN.Subtitle);
        var stacked = Charts.CreateStacked("t", "sub", new AxisSpec("x"), [(new AxisSpec("y"), [new Series("a", [(1, double.NaN)])])]);
        Assert.Contains("1 non-finite", stacked.Subtitle);
    }
}
