using DeepLite.Layers;
using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Layers;

public class ModuleTests
{
    private static Sequential<float> Mlp(params int[] widths)
    {
        var random = new SeededRandom(1);
        var model = new Sequential<float>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            model.Add(new Dense<float>(widths[i], widths[i + 1], random));
            if (i + 2 < widths.Length) model.Add(new Relu<float>());
        }
        return model;
    }

    [Fact]
    public void ParametersAreNamedStablyInOrder()
    {
        var model = Mlp(4, 3, 2);
        Assert.Equal(new[] { "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias" },
            model.NamedParameters().Select(p => p.Name).ToArray());
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
    }

    [Theory]
    [InlineData(new[] { 784, 128, 32, 10 }, 104_938)]
    [InlineData(new[] { 1, 280, 1 }, 841)]
    [InlineData(new[] { 1, 15, 20, 15, 10, 1 }, 836)]
    [InlineData(new[] { 1, 10, 10, 10, 15, 15, 10, 5, 1 }, 866)]
    public void ParameterCountsIncludeBiases(int[] widths, long expected) => Assert.Equal(expected, Mlp(widths).ParameterCount);

    [Fact]
    public void TrainAndEvalPropagateToChildren()
    {
        var model = Mlp(2, 2, 2);
        model.Eval();
        Assert.All(model.Layers, l => Assert.False(l.IsTraining));
        model.Train();
        Assert.All(model.Layers, l => Assert.True(l.IsTraining));
    }

    [Fact]
    public void InitializersAreSeededAndWithinTheirBounds()
    {
        var a = new Dense<double>(300, 200, new SeededRandom(5));
        var b = new Dense<double>(300, 200, new SeededRandom(5));
        Assert.Equal(a.Weight.ToArray(), b.Weight.ToArray());
        double glorot = Math.Sqrt(6.0 / 500);
        Assert.All(a.Weight.ToArray(), w => Assert.InRange(w, -glorot, glorot));
        Assert.All(a.Bias!.ToArray(), v => Assert.Equal(0, v));
        Assert.True(a.Weight.ToArray().Max() > 0.9 * glorot);

        var torch = new Dense<double>(300, 200, new SeededRandom(5), Initializer.PyTorchDefault);
        double bound = 1 / Math.Sqrt(300);
        Assert.All(torch.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Contains(torch.Bias!.ToArray(), v => v != 0);

        var he = new Dense<double>(300, 200, new SeededRandom(5), Initializer.HeNormal).Weight.ToArray();
        double std = Math.Sqrt(he.Select(w => w * w).Average());
        Assert.InRange(std, 0.95 * Math.Sqrt(2.0 / 300), 1.05 * Math.Sqrt(2.0 / 300));
    }

    [Fact]
    public void DenseRejectsTheWrongInputWidth()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Dense<float>(4, 2, new SeededRandom(0)).Forward(Tensor<float>.Zeros(3, 5)));
        Assert.Contains("[3, 5]", ex.Message);
        Assert.Contains("Dense(4 -> 2)", ex.Message);
    }

    /// <summary>A whole MLP's gradient and Hessian-vector products against finite differences, per activation.</summary>
    [Property(MaxTest = 100)]
    public Property MultiLayerPerceptronGradientsAndHvps() => Prop.ForAll(
        (from n in Gen.Choose(1, 4)
         from hidden in Gen.Choose(1, 5)
         from act in Gen.Elements("tanh", "sigmoid", "selu", "relu")
         from seed in Generators.Seeds
         select (n, hidden, act, seed)).ToArbitrary(),
        t =>
        {
            var random = new SeededRandom(t.seed);
            Module<double> Act() => t.act switch { "tanh" => new Tanh<double>(), "sigmoid" => new Sigmoid<double>(), "selu" => new Selu<double>(), _ => new Relu<double>() };
            var model = new Sequential<double>(new Dense<double>(3, t.hidden, random), Act(), new Dense<double>(t.hidden, 2, random));
            var x = Tensor<double>.Uniform(new Shape(t.n, 3), -1, 1, random);
            var ps = model.Parameters().Select(p => p.Detach().Clone()).ToArray();
            Tensor<double> F(Tensor<double>[] xs)
            {
                // The model's forward pass, written over the given parameter tensors (weight, bias, weight, bias).
                var h = x.MatMul(xs[0], transposeB: true) + xs[1];
                h = Act().Forward(h);
                return h.MatMul(xs[2], transposeB: true) + xs[3];
            }
            AssertGradients(F, ps, t.seed);
            if (t.act != "relu") AssertHessianVectorProducts(F, ps, t.seed);
        });
}
