using DeepLite.Autograd;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests;

/// <summary>End-to-end: small models actually learn, and a seed fixes the whole run.</summary>
public class TrainingTests
{
    /// <summary>The README's code sample, verbatim between the markers (ReadmeSampleTests checks they agree).</summary>
    public static double ReadmeSample()
    {
        // snippet-begin: readme-sample
        var random = new SeededRandom(42);
        var model = new Sequential<float>(
            new Dense<float>(2, 16, random), new Tanh<float>(),
            new Dense<float>(16, 2, random));
        var optimizer = new Adam<float>(model.Parameters(), learningRate: 0.05);

        // XOR: four points, two classes.
        var x = Tensor.FromArray(new float[] { 0, 0, 0, 1, 1, 0, 1, 1 }, 4, 2);
        int[] labels = [0, 1, 1, 0];
        for (int step = 0; step < 200; step++)
        {
            optimizer.ZeroGrad();
            var loss = Loss.SoftmaxCrossEntropy(model.Forward(x), labels);
            loss.Backward();
            optimizer.Step();
        }

        using (GradMode.Disable())
        {
            var predicted = model.Forward(x).ArgMax(axis: 1);
            Console.WriteLine($"predictions: {string.Join(", ", predicted.ToArray())}"); // 0, 1, 1, 0
        }
        // snippet-end
        using (GradMode.Disable()) return Loss.SoftmaxCrossEntropy(model.Forward(x), labels).Item();
    }

    [Fact]
    public void TheReadmeSampleLearnsXor() => Assert.True(ReadmeSample() < 0.05);

    private static (double Loss, float[] Weights) FitSine(long seed)
    {
        var random = new SeededRandom(seed);
        var model = new Sequential<float>(new Dense<float>(1, 32, random), new Relu<float>(), new Dense<float>(32, 1, random));
        var opt = new Sgd<float>(model.Parameters(), 0.05, momentum: 0.9);
        var xs = Enumerable.Range(0, 64).Select(i => i / 63f * 2 - 1).ToArray();
        var x = Tensor.FromArray(xs, 64, 1);
        var y = Tensor.FromArray(xs.Select(v => MathF.Sin(3 * v)).ToArray(), 64, 1);
        double loss = 0;
        for (int epoch = 0; epoch < 400; epoch++)
        {
            var order = random.Permutation(64);
            for (int b = 0; b < 64; b += 16)
            {
                var idx = order.Skip(b).Take(16).ToArray();
                var xb = Tensor.FromArray(idx.Select(i => xs[i]).ToArray(), 16, 1);
                var yb = Tensor.FromArray(idx.Select(i => MathF.Sin(3 * xs[i])).ToArray(), 16, 1);
                opt.ZeroGrad();
                Loss.MeanSquaredError(model.Forward(xb), yb).Backward();
                opt.Step();
            }
        }
        using (GradMode.Disable()) loss = Loss.MeanSquaredError(model.Forward(x), y).Item();
        return (loss, model.Parameters().SelectMany(p => p.ToArray()).ToArray());
    }

    [Fact]
    public void AnMlpFitsASineAndTheSeedFixesEveryBit()
    {
        var a = FitSine(7);
        var b = FitSine(7);
        var c = FitSine(8);
        Assert.True(a.Loss < 0.01, $"final MSE {a.Loss}");
        Assert.Equal(a.Weights, b.Weights);
        Assert.NotEqual(a.Weights, c.Weights);
    }
}
