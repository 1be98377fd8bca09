using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>max(x, 0).</summary>
public sealed class Relu<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Relu();
}

/// <summary>LeakyReLU (PyTorch's <c>nn.LeakyReLU</c>): x, or <see cref="NegativeSlope"/>·x below zero.</summary>
public sealed class LeakyRelu<T>(double negativeSlope = 0.01) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The slope below zero.</summary>
    public double NegativeSlope { get; } = negativeSlope;
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.LeakyRelu(NegativeSlope);
    /// <inheritdoc/>
    protected override string Describe() => $"LeakyRelu(negativeSlope: {NegativeSlope})";
}

/// <summary>GELU (PyTorch's <c>nn.GELU(approximate)</c>): exact, x·Φ(x), by default; the tanh form with <see cref="GeluApproximation.Tanh"/>.</summary>
public sealed class Gelu<T>(GeluApproximation approximate = GeluApproximation.None) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Which form.</summary>
    public GeluApproximation Approximate { get; } = approximate;
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => Approximate == GeluApproximation.None ? input.Gelu() : input.Gelu(Approximate);
    /// <inheritdoc/>
    protected override string Describe() => Approximate == GeluApproximation.None ? "Gelu()" : "Gelu(approximate: tanh)";
}

/// <summary>SiLU (PyTorch's <c>nn.SiLU</c>), x·σ(x).</summary>
public sealed class Silu<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Silu();
}

/// <summary>Softplus (PyTorch's <c>nn.Softplus(beta, threshold)</c>), log(1 + e^(βx)) / β.</summary>
public sealed class Softplus<T>(double beta = 1, double threshold = 20) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>β.</summary>
    public double Beta { get; } = beta;
    /// <summary>Above β·x of this the output is x.</summary>
    public double Threshold { get; } = threshold;
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Softplus(Beta, Threshold);
    /// <inheritdoc/>
    protected override string Describe() => $"Softplus(beta: {Beta}, threshold: {Threshold})";
}

/// <summary>
/// Dropout (PyTorch's <c>nn.Dropout</c>): in training mode each element is zeroed with probability <see cref="P"/> and
/// the rest scaled by 1 / (1 - p); in evaluation mode (<see cref="Module{T}.Eval"/>) the identity. The masks come from
/// the <see cref="SeededRandom"/> given (else a generator forked from <see cref="LayerDefaults.Random"/> when the layer is
/// built), so a seed fixes them.
/// </summary>
public sealed class Dropout<T>(double p = 0.5, SeededRandom? random = null) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; } = p is >= 0 and < 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: the probability must be in [0, 1), got {p}.");
    private readonly SeededRandom _random = random ?? LayerDefaults.Random.Fork();
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => IsTraining ? input.Dropout(P, _random) : input;
    /// <inheritdoc/>
    protected override string Describe() => $"Dropout(p: {P})";
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Tanh();
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Sigmoid();
}

/// <summary>Scaled exponential linear unit.</summary>
public sealed class Selu<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Selu();
}

/// <summary>Flattens all but the batch dimension ([N, C, H, W] to [N, C*H*W]); a view, no copy.</summary>
public sealed class Flatten<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input) => input.Flatten();
}
