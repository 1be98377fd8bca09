using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;

namespace DeepLite.Tests.Serialization;

/// <summary>Module weights and training checkpoints: round trips, bit-exact resumes, and loads that fail cleanly.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly Data.Fixtures _temp = new();

    public void Dispose() => _temp.Dispose();

    private string PathOf(string name) => Path.Combine(_temp.Folder, name);

    private static Sequential<T> Model<T>(long seed) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new(new Dense<T>(3, 5, new SeededRandom(seed)), new Tanh<T>(), new Dense<T>(5, 2, new SeededRandom(seed + 1)));

    private static T[][] Values<T>(Module<T> m) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        m.Parameters().Select(p => p.ToArray()).ToArray();

    [Fact]
    public void WeightsRoundTripBitForBitInFloatAndDouble()
    {
        var f = Model<float>(1);
        f.SaveWeights(PathOf("f.safetensors"));
        var g = Model<float>(99);
        g.LoadWeights(PathOf("f.safetensors"));
        Assert.Equal(Values(f), Values(g));

        var d = Model<double>(2);
        d.SaveWeights(PathOf("d.safetensors"));
        var e = Model<double>(98);
        e.LoadWeights(PathOf("d.safetensors"));
        Assert.Equal(Values(d), Values(e));
        Assert.Equal(SafeTensorsDType.F64, SafeTensorsFile.Open(PathOf("d.safetensors"))["layers.0.weight"].DType);

        // A float file loads into a double model (widening), as PyTorch's load_state_dict copies across dtypes.
        var widened = Model<double>(97);
        widened.LoadWeights(PathOf("f.safetensors"));
        Assert.Equal(Values(f).Select(a => a.Select(v => (double)v).ToArray()), Values(widened));
    }

    [Fact]
    public void MismatchesNameTheTensorAndLeaveTheModelUnchanged()
    {
        Model<float>(1).SaveWeights(PathOf("small.safetensors"));
        var wider = new Sequential<float>(new Dense<float>(3, 6, new SeededRandom(5)), new Tanh<float>(), new Dense<float>(6, 2, new SeededRandom(6)));
        var before = Values(wider);
        var shape = Assert.Throws<SafeTensorsFormatException>(() => wider.LoadWeights(PathOf("small.safetensors")));
        Assert.Equal("layers.0.weight", shape.Tensor);
        Assert.Contains("[5, 3]", shape.Message);
        Assert.Contains("[6, 3]", shape.Message);
        Assert.Equal(before, Values(wider));

        var deeper = new Sequential<float>(new Dense<float>(3, 5, new SeededRandom(5)), new Tanh<float>(), new Dense<float>(5, 2, new SeededRandom(6)), new Dense<float>(2, 2, new SeededRandom(7)));
        var missing = Assert.Throws<SafeTensorsFormatException>(() => deeper.LoadWeights(PathOf("small.safetensors")));
        Assert.Equal("layers.3.weight", missing.Tensor);
        Assert.Contains("missing", missing.Message);

        var shallow = new Sequential<float>(new Dense<float>(3, 5, new SeededRandom(5)));
        var extra = Assert.Throws<SafeTensorsFormatException>(() => shallow.LoadWeights(PathOf("small.safetensors")));
        Assert.Equal("layers.2.weight", extra.Tensor);
        shallow.LoadWeights(PathOf("small.safetensors"), strict: false);
        Assert.Equal(Values(Model<float>(1))[0], shallow.Parameters()[0].ToArray());
    }

    /// <summary>Trains a few steps of full-batch regression with a fixed data set.</summary>
    private static void Train(Module<double> model, Optimizer<double> optimizer, int steps)
    {
        var x = Tensor<double>.Normal(new Shape(8, 3), 0, 1, new SeededRandom(7));
        var y = Tensor<double>.Normal(new Shape(8, 2), 0, 1, new SeededRandom(8));
        for (int i = 0; i < steps; i++)
        {
            optimizer.ZeroGrad();
            Loss.MeanSquaredError(model.Forward(x), y).Backward();
            optimizer.Step();
        }
    }

    public static IEnumerable<object[]> Optimizers() => [["sgd"], ["adam"], ["adadelta"]];

    private static Optimizer<double> Make(string kind, Module<double> model) => kind switch
    {
        "sgd" => new Sgd<double>(model.Parameters(), 0.05, momentum: 0.9, nesterov: true),
        "adam" => new Adam<double>(model.Parameters(), 0.01),
        _ => new Adadelta<double>(model.Parameters(), Adadelta<double>.PyTorchDefaults),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void AResumedRunContinuesBitForBit(string kind)
    {
        var straight = Model<double>(3);
        var straightOptimizer = Make(kind, straight);
        Train(straight, straightOptimizer, 10);

        var first = Model<double>(3);
        var firstOptimizer = Make(kind, first);
        Train(first, firstOptimizer, 4);
        firstOptimizer.LearningRate *= 0.5; // a schedule's change must survive too
        straightOptimizer.LearningRate *= 1; // (the straight run keeps its rate; the resumed one restores the halved one)
        var random = new SeededRandom(11);
        random.Normal(); // leave a spare normal in the state
        Checkpoint.Save(PathOf("run.safetensors"), first, firstOptimizer, epoch: 4, random, new Dictionary<string, string> { ["note"] = "halfway" });

        var resumed = Model<double>(1234);
        var resumedOptimizer = Make(kind, resumed);
        var resumedRandom = new SeededRandom(0);
        var info = Checkpoint.Load(PathOf("run.safetensors"), resumed, resumedOptimizer, resumedRandom);
        Assert.Equal(4, info.Epoch);
        Assert.Equal("halfway", info.Metadata["note"]);
        Assert.Equal(4, resumedOptimizer.StepCount);
        Assert.Equal(firstOptimizer.LearningRate, resumedOptimizer.LearningRate);
        Assert.Equal(random.Normal(), resumedRandom.Normal());
        Assert.Equal(random.NextUInt64(), resumedRandom.NextUInt64());

        Train(first, firstOptimizer, 6);
        Train(resumed, resumedOptimizer, 6);
        Assert.Equal(Values(first), Values(resumed));
        // The checkpoint's weights load as plain weights too (optimizer tensors are skipped).
        var plain = Model<double>(77);
        plain.LoadWeights(PathOf("run.safetensors"));
        Assert.Contains(SafeTensorsFile.Open(PathOf("run.safetensors")).Tensors, t => t.Name.StartsWith("optimizer/layers.0.weight/", StringComparison.Ordinal));
    }

    [Fact]
    public void ResumingIntoADifferentOptimizerFailsBeforeChangingAnything()
    {
        var model = Model<double>(3);
        var adam = new Adam<double>(model.Parameters(), 0.01);
        Train(model, adam, 2);
        Checkpoint.Save(PathOf("adam.safetensors"), model, adam, epoch: 1);

        var other = Model<double>(4);
        var before = Values(other);
        var sgd = new Sgd<double>(other.Parameters(), 0.1, momentum: 0.9);
        var error = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(PathOf("adam.safetensors"), other, sgd));
        Assert.Contains("Adam, not Sgd", error.Message);
        Assert.Equal(before, Values(other));
        Assert.Equal(0, sgd.StepCount);

        var noRandom = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(PathOf("adam.safetensors"), other, random: new SeededRandom(1)));
        Assert.Contains("no random state", noRandom.Message);
        Assert.Equal(before, Values(other));

        model.SaveWeights(PathOf("weights.safetensors"));
        var notCheckpoint = Assert.Throws<SafeTensorsFormatException>(() => Checkpoint.Load(PathOf("weights.safetensors"), other));
        Assert.Contains("not a DeepLite checkpoint", notCheckpoint.Message);
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x.safetensors"), model, metadata: new Dictionary<string, string> { ["deeplite.epoch"] = "1" }));
    }

    [Fact]
    public void OptimizerStateChecksBuffersAgainstParameters()
    {
        var model = Model<double>(3);
        var adam = new Adam<double>(model.Parameters());
        Assert.Throws<ArgumentException>(() => adam.LoadState(new OptimizerState<double>(1, 0.1, [new(0, "momentum_buffer", new double[15])])));
        Assert.Throws<ArgumentException>(() => adam.LoadState(new OptimizerState<double>(1, 0.1, [new(0, "exp_avg", new double[3])])));
        Assert.Throws<ArgumentException>(() => adam.LoadState(new OptimizerState<double>(1, 0.1, [new(9, "exp_avg", new double[15])])));
        Assert.Equal(0, adam.StepCount);
    }
}
