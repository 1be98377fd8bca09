using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// What a layer uses when its constructor is not told: the generator its initial weights (or Dropout's masks) are
/// drawn from, PyTorch's global generator that <c>torch.manual_seed</c> sets; and the initializer, which PyTorch fixes
/// per layer type and Keras per layer (<see cref="Initializer.GlorotUniform"/>, Keras' default, unless set: set
/// <see cref="Initializer.PyTorchDefault"/> once to build a model as PyTorch would). Both are per logical flow of
/// control (<see cref="AsyncLocal{T}"/>): tests or models built concurrently do not draw from one another's stream.
/// A model built from the same seed in the same order gets the same weights.
/// </summary>
public static class LayerDefaults
{
    private static readonly AsyncLocal<SeededRandom?> CurrentRandom = new();
    private static readonly AsyncLocal<Initializer?> CurrentInitializer = new();

    /// <summary>Restarts the default generator at <paramref name="seed"/> (PyTorch's <c>torch.manual_seed(seed)</c>); before the first call it starts at seed 0.</summary>
    public static void ManualSeed(long seed) => CurrentRandom.Value = new SeededRandom(seed);

    /// <summary>The default generator, which layers built without one draw from.</summary>
    public static SeededRandom Random => CurrentRandom.Value ??= new SeededRandom(0);

    /// <summary>The initializer of layers built without one (Glorot-uniform unless set).</summary>
    public static Initializer Initializer
    {
        get => CurrentInitializer.Value ?? Initializer.GlorotUniform;
        set => CurrentInitializer.Value = value ?? throw new ArgumentNullException(nameof(value));
    }
}
