using DeepLite.Layers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Layers;

/// <summary>Layers built without a generator or initializer: PyTorch's manual_seed and a model-wide initializer.</summary>
public class LayerDefaultsTests
{
    private static float[] Build()
    {
        var model = new Sequential<float>(new Dense<float>(4, 3), new Relu<float>(), new Dense<float>(3, 2));
        return model.Parameters().SelectMany(p => p.ToArray()).ToArray();
    }

    [Fact]
    public void TheSameSeedBuildsTheSameModelAndTheStreamMovesOn()
    {
        var previous = LayerDefaults.Initializer;
        LayerDefaults.ManualSeed(7);
        var first = Build();
        var second = Build();
        LayerDefaults.ManualSeed(7);
        Assert.Equal(first, Build());
        Assert.NotEqual(first, second);
        // Without a generator a layer draws exactly what it draws from the default one.
        LayerDefaults.ManualSeed(7);
        var explicitRandom = new SeededRandom(7);
        Assert.Equal(new Dense<float>(4, 3, explicitRandom).Weight.ToArray(), new Dense<float>(4, 3).Weight.ToArray());
        Assert.Equal(previous, LayerDefaults.Initializer);
    }

    [Fact]
    public void AModelWideInitializerAppliesToLayersBuiltWithoutOne()
    {
        LayerDefaults.Initializer = Initializer.PyTorchDefault;
        try
        {
            var dense = new Dense<double>(100, 10);
            // PyTorch's bias is U(-1/sqrt(in), 1/sqrt(in)), never all zero as Glorot's.
            Assert.Contains(dense.Bias!.ToArray(), v => v != 0);
            Assert.All(dense.Weight.ToArray(), v => Assert.InRange(Math.Abs(v), 0, 0.1));
            Assert.Contains(new Conv2D<double>(2, 3, 3).Bias!.ToArray(), v => v != 0);
            // A layer's own initializer wins.
            Assert.All(new Dense<double>(100, 10, init: Initializer.GlorotUniform).Bias!.ToArray(), v => Assert.Equal(0, v));
        }
        finally { LayerDefaults.Initializer = Initializer.GlorotUniform; }
        Assert.All(new Dense<double>(100, 10).Bias!.ToArray(), v => Assert.Equal(0, v));
        Assert.Throws<ArgumentNullException>(() => LayerDefaults.Initializer = null!);
    }

    [Fact]
    public async Task EachFlowOfControlHasItsOwnDefaults()
    {
        LayerDefaults.ManualSeed(3);
        var here = new Dense<float>(2, 2).Weight.ToArray();
        // Another task seeded alike draws the same weights, whatever this flow did meanwhile.
        var there = await Task.Run(() => { LayerDefaults.ManualSeed(3); return new Dense<float>(2, 2).Weight.ToArray(); });
        Assert.Equal(here, there);
        // Dropout without a generator forks one from the default stream when built: the same seed, the same masks.
        LayerDefaults.ManualSeed(5);
        var a = new Dropout<float>(0.5).Forward(Tensor<float>.Ones(64)).ToArray();
        LayerDefaults.ManualSeed(5);
        Assert.Equal(a, new Dropout<float>(0.5).Forward(Tensor<float>.Ones(64)).ToArray());
    }
}
