using DeepLite.Layers;
using DeepLite.Serialization;
using DeepLite.Tensors;

namespace DeepLite.Tests.Layers;

/// <summary>StateDict / LoadStateDict: PyTorch's in-memory state, copies, checked before anything changes.</summary>
public class StateDictTests
{
    private static Sequential<double> Model(int seed) => new(new Dense<double>(3, 2, new SeededRandom(seed)), new BatchNorm<double>(2));

    [Fact]
    public void AStateDictCarriesParametersAndBuffersAsCopies()
    {
        var source = Model(1);
        source.Forward(Tensor<double>.Uniform(new Shape(5, 3), -1, 1, new SeededRandom(2))); // moves the running statistics
        var state = source.StateDict();
        Assert.Equal(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var"], state.Keys);
        state["layers.0.bias"].Span.Fill(42); // a copy: the model keeps its bias
        Assert.DoesNotContain(42.0, source.NamedState().First(s => s.Name == "layers.0.bias").Tensor.ToArray());

        var target = Model(7);
        var result = target.LoadStateDict(source.StateDict());
        Assert.Equal(6, result.Loaded.Count);
        foreach (var ((name, a), (_, b)) in source.NamedState().Zip(target.NamedState())) Assert.True(a.ToArray().SequenceEqual(b.ToArray()), name);
    }

    [Fact]
    public void MismatchesAreRefusedBeforeAnythingChanges()
    {
        var target = Model(7);
        var before = target.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var state = Model(1).StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        state["layers.1.running_var"] = Tensor<double>.Zeros(3);
        var e = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
        Assert.Contains("layers.1.running_var: the state dict has shape [3]", e.Message);
        Assert.All(target.StateDict(), kv => Assert.Equal(before[kv.Key], kv.Value.ToArray()));

        var partial = Model(1).StateDict().Where(kv => kv.Key.StartsWith("layers.0")).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Contains("layers.1.weight: the module's tensor (shape [2]) is missing from the state dict", Assert.Throws<ArgumentException>(() => target.LoadStateDict(partial)).Message);
        var loose = target.LoadStateDict(partial, strict: false);
        Assert.Equal(4, loose.MissingKeys.Count);
        // It prints what it did by name (it printed "System.Collections.Generic.List`1[System.String]").
        Assert.Equal($"{loose.Loaded.Count} tensors loaded; missing keys: [{string.Join(", ", loose.MissingKeys)}]; unexpected keys: []", loose.ToString());
        Assert.Contains("layers.1.weight", loose.ToString());
        var extra = Model(1).StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        extra["layers.2.weight"] = Tensor<double>.Zeros(1);
        Assert.Contains("layers.2.weight: the module has no parameter or buffer of this name", Assert.Throws<ArgumentException>(() => target.LoadStateDict(extra)).Message);
        // Nothing that applies is an error, strict or not; a file is loaded by the same rules (Serialization tests).
        Assert.Contains("nothing would be loaded", Assert.Throws<ArgumentException>(() => target.LoadStateDict(new Dictionary<string, Tensor<double>>(), strict: false)).Message);
    }
}
