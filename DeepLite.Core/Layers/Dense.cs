using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A fully connected layer, y = x Wᵀ + b, with W stored [outFeatures, inFeatures] as PyTorch's Linear
/// (so weights exchange with PyTorch without a transpose). Accepts [N, in] or [..., in].
/// </summary>
public sealed class Dense<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Creates the layer (PyTorch's <c>nn.Linear(in_features, out_features, bias)</c>) with weights from <paramref name="init"/>
    /// drawn from <paramref name="random"/>; either missing is <see cref="LayerDefaults"/>' (every layer takes these two
    /// in this place).
    /// </summary>
    public Dense(int inFeatures, int outFeatures, SeededRandom? random = null, Initializer? init = null, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"Dense needs positive sizes, got {inFeatures} -> {outFeatures}.");
        random ??= LayerDefaults.Random;
        init ??= LayerDefaults.Initializer;
        InFeatures = inFeatures; OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", init.Weight<T>(new Shape(outFeatures, inFeatures), inFeatures, outFeatures, random));
        if (bias) Bias = RegisterParameter("bias", init.Bias<T>(new Shape(outFeatures), inFeatures, outFeatures, random));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }
    /// <summary>The weight, [out, in].</summary>
    public Tensor<T> Weight { get; }
    /// <summary>The bias, [out], or null.</summary>
    public Tensor<T>? Bias { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        if (input.Rank < 2 || input.Shape[-1] != InFeatures)
            throw new ArgumentException($"Dense({InFeatures} -> {OutFeatures}): input of shape {input.Shape} should be [N, {InFeatures}].");
        return input.Linear(Weight, Bias);
    }

    /// <inheritdoc/>
    protected override string Describe() => $"Dense({InFeatures} -> {OutFeatures}{(Bias is null ? ", no bias" : "")})";
}
