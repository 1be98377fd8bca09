using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Layers;

/// <summary>model.Summary(): Keras' table, with the parameter counts the HW1 report prints.</summary>
public class ModelSummaryTests
{
    [Fact]
    public void TheMnistMlpReadsAsKerasPrintsIt()
    {
        var model = Hw1Models.ImageMlp(new SeededRandom(1), 784, 128, 32, 10);
        // The layers are named as their weights are saved (layers.1.weight, ...).
        var expected = string.Join(Environment.NewLine,
            "Layer (type)        Output Shape  Param #",
            "-----------------------------------------",
            "layers.0 (Flatten)  (None, 784)         0",
            "layers.1 (Dense)    (None, 128)   100,480",
            "layers.2 (Relu)     (None, 128)         0",
            "layers.3 (Dense)    (None, 32)      4,128",
            "layers.4 (Relu)     (None, 32)          0",
            "layers.5 (Dense)    (None, 10)        330",
            "-----------------------------------------",
            "Total params: 104,938",
            "Trainable params: 104,938",
            "Non-trainable params: 0");
        Assert.Equal(expected, model.Summary(1, 28, 28));
        // snippet-begin: model-summary
        var mlp = new Sequential<float>(new Flatten<float>(), new Dense<float>(784, 128), new Relu<float>(),
            new Dense<float>(128, 32), new Relu<float>(), new Dense<float>(32, 10));
        Console.WriteLine(mlp.Summary(1, 28, 28)); // Keras: model.summary(); the input shape without the batch
        // snippet-end
        Assert.Equal(expected, mlp.Summary(1, 28, 28));
    }

    [Theory]
    [InlineData(0, 1, 28, 1_205_650)]
    [InlineData(1, 1, 28, 1_519_274)]
    [InlineData(2, 1, 28, 1_425_546)]
    [InlineData(2, 3, 32, 1_444_618)]
    public void TheHw1CnnsTotalTheReportsCounts(int cnn, int channels, int size, long parameters)
    {
        var model = DeepLite.Experiments.Models.ModelDescription.Parse(Hw1Models.Cnns[cnn]).Build<float>([channels, size, size], 10, new SeededRandom(1));
        var summary = model.Summary(channels, size, size);
        Assert.Contains($"Total params: {parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)}", summary);
        // Every layer has a row, and the rows' parameters add up to the total.
        var rows = summary.Split(Environment.NewLine).Skip(2).TakeWhile(l => !l.StartsWith('-')).ToList();
        Assert.Equal(model.Layers.Count, rows.Count);
        Assert.Equal(parameters, rows.Sum(r => long.Parse(r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1].Replace(",", ""))));
        Assert.Contains("(None, 10)", rows[^1]);
    }

    [Fact]
    public void AnInputShapeTheModelCannotTakeIsNamed()
    {
        var model = Hw1Models.ImageMlp(new SeededRandom(1), 784, 10);
        var e = Assert.Throws<ArgumentException>(() => model.Summary(1, 20, 20));
        Assert.Contains("1 (Dense)", e.Message);
        Assert.Contains("(None, 400)", e.Message);
    }
}
