using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// Multi-head causal self-attention as GPT-2 and nanoGPT write it (nanoGPT's <c>CausalSelfAttention</c>): for x [B, T, C],
/// one projection <c>c_attn</c> (C → 3C) gives queries, keys and values, split into <see cref="Heads"/> heads of C / heads;
/// each position attends to itself and the positions before it (<see cref="Tensor{T}.ScaledDotProductAttention"/> with
/// isCausal); the heads are joined and projected by <c>c_proj</c> (C → C). Dropout (PyTorch's attention and residual
/// dropout) applies in training mode only. Parameter names are nanoGPT's: <c>c_attn.weight</c>, <c>c_proj.weight</c> (and
/// biases with bias: true).
/// </summary>
public sealed class CausalSelfAttention<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SeededRandom _dropoutRandom;

    /// <summary>Creates the layer; weights from <paramref name="init"/> drawn from <paramref name="random"/> (missing: <see cref="LayerDefaults"/>').</summary>
    public CausalSelfAttention(int embedding, int heads, SeededRandom? random = null, Initializer? init = null, bool bias = true, double dropout = 0)
    {
        if (embedding <= 0 || heads <= 0 || embedding % heads != 0)
            throw new ArgumentException($"CausalSelfAttention: the embedding size {embedding} must be a positive multiple of the number of heads {heads}.");
        if (!(dropout is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"CausalSelfAttention: dropout must be in [0, 1), got {dropout}.");
        random ??= LayerDefaults.Random;
        Embedding = embedding; Heads = heads; DropoutProbability = dropout;
        Attention = RegisterModule("c_attn", new Dense<T>(embedding, 3 * embedding, random, init, bias));
        Projection = RegisterModule("c_proj", new Dense<T>(embedding, embedding, random, init, bias));
        _dropoutRandom = random.Fork();
    }

    /// <summary>The embedding size C.</summary>
    public int Embedding { get; }
    /// <summary>The number of heads.</summary>
    public int Heads { get; }
    /// <summary>The dropout probability of the attention weights and of the output.</summary>
    public double DropoutProbability { get; }
    /// <summary>The query/key/value projection (nanoGPT's <c>c_attn</c>).</summary>
    public Dense<T> Attention { get; }
    /// <summary>The output projection (nanoGPT's <c>c_proj</c>).</summary>
    public Dense<T> Projection { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Shape[2] != Embedding)
            throw new ArgumentException($"CausalSelfAttention({Embedding}, {Heads} heads): input must be [B, T, {Embedding}], got shape {input.Shape}.");
        int b = input.Shape[0], t = input.Shape[1], d = Embedding / Heads;
        double p = IsTraining ? DropoutProbability : 0;
        T scale = T.CreateChecked(1 / Math.Sqrt(d));
        // Without dropout: c_attn's one product [B, T, 3C], whose q, k and v blocks the attention reads where they lie (one
        // op, no head copied to [B, H, T, d] and back), and whose gradient comes back as one [B, T, 3C] tensor.
        // With dropout: q, k and v each projected by its block of c_attn's rows (slicing the joint projection had each
        // slice's gradient placed in zeros of the whole [B, T, 3C] and the three summed), the heads moved, and the
        // attention weights dropped as PyTorch does.
        var joined = p == 0 ? Attention.Forward(input).CausalAttention(Heads, scale)
            : SplitHeads(Project(0)).ScaledDotProductAttention(SplitHeads(Project(1)), SplitHeads(Project(2)), isCausal: true, dropout: p, random: _dropoutRandom)
                .Permute(0, 2, 1, 3).Reshape(b, t, Embedding);
        var output = Projection.Forward(joined);
        return p > 0 ? output.Dropout(p, _dropoutRandom) : output;

        Tensor<T> Project(int block)
        {
            var weight = Attention.Weight.Narrow(0, block * Embedding, Embedding);
            var bias = Attention.Bias?.Narrow(0, block * Embedding, Embedding);
            return input.Linear(weight, bias);
        }
        Tensor<T> SplitHeads(Tensor<T> x) => x.Reshape(b, t, Heads, d).Permute(0, 2, 1, 3);
    }

    /// <inheritdoc/>
    protected override string Describe() => $"CausalSelfAttention({Embedding}, {Heads} heads{(DropoutProbability > 0 ? $", dropout {DropoutProbability}" : "")})";
}
