using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// The sizes of a <see cref="Gpt{T}"/> (nanoGPT's <c>GPTConfig</c>): vocabulary, context length (block size), layers,
/// heads, embedding width, dropout, and whether Linear and LayerNorm layers have biases.
/// </summary>
public sealed record GptConfig(int VocabularySize, int BlockSize, int Layers, int Heads, int Embedding, double Dropout = 0, bool Bias = false)
{
    /// <summary>nanoGPT's shakespeare_char model on the CPU (its README's command): 65 characters, block 64, 4 layers, 4 heads, 128 wide, no dropout, no biases.</summary>
    public static GptConfig ShakespeareCharCpu { get; } = new(65, 64, 4, 4, 128);
}

/// <summary>
/// A GPT-2 block as nanoGPT's <c>Block</c>: x + attn(ln_1(x)), then x + mlp(ln_2(x)), the MLP 4x wide with exact GELU.
/// </summary>
public sealed class GptBlock<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _dropout;
    private readonly SeededRandom _dropoutRandom;

    /// <summary>Creates the block; its matrices drawn N(0, 0.02²), the two residual projections N(0, (0.02 / √(2·layers))²), as nanoGPT's <c>_init_weights</c>.</summary>
    public GptBlock(GptConfig config, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(config); ArgumentNullException.ThrowIfNull(random);
        var normal = Initializer.Normal(std: 0.02);
        var residual = Initializer.Normal(std: 0.02 / Math.Sqrt(2.0 * config.Layers));
        FirstNorm = RegisterModule("ln_1", new LayerNorm<T>(config.Embedding, bias: config.Bias));
        Attention = RegisterModule("attn", new CausalSelfAttention<T>(config.Embedding, config.Heads, random, normal, config.Bias, config.Dropout));
        // nanoGPT re-draws every c_proj.weight with the residual scale after the first init.
        Attention.Projection.Weight.CopyFrom(residual.Weight<T>(Attention.Projection.Weight.Shape, config.Embedding, config.Embedding, random));
        SecondNorm = RegisterModule("ln_2", new LayerNorm<T>(config.Embedding, bias: config.Bias));
        Up = RegisterModule("mlp.c_fc", new Dense<T>(config.Embedding, 4 * config.Embedding, random, normal, config.Bias));
        Down = RegisterModule("mlp.c_proj", new Dense<T>(4 * config.Embedding, config.Embedding, random, residual, config.Bias));
        _dropout = config.Dropout;
        _dropoutRandom = random.Fork();
    }

    /// <summary>The LayerNorm before attention.</summary>
    public LayerNorm<T> FirstNorm { get; }
    /// <summary>The causal self-attention.</summary>
    public CausalSelfAttention<T> Attention { get; }
    /// <summary>The LayerNorm before the MLP.</summary>
    public LayerNorm<T> SecondNorm { get; }
    /// <summary>The MLP's expansion (C → 4C).</summary>
    public Dense<T> Up { get; }
    /// <summary>The MLP's projection back (4C → C).</summary>
    public Dense<T> Down { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> x)
    {
        x += Attention.Forward(FirstNorm.Forward(x));
        var mlp = Down.Forward(Up.Forward(SecondNorm.Forward(x)).Gelu());
        if (IsTraining && _dropout > 0) mlp = mlp.Dropout(_dropout, _dropoutRandom);
        return x + mlp;
    }
}

/// <summary>
/// GPT-2 as nanoGPT's <c>model.py</c> writes it: token and position embeddings (<c>transformer.wte</c>, <c>wpe</c>), a stack of
/// pre-LayerNorm <see cref="GptBlock{T}"/>s (<c>transformer.h.i</c>), a final LayerNorm (<c>transformer.ln_f</c>), and the output
/// head tied to the token embedding (the logits are x·wteᵀ, so the table is one parameter, as nanoGPT's weight tying).
/// Input: token indices [B, T] with T ≤ the block size; output: logits [B, T, vocabulary].
/// </summary>
public sealed class Gpt<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly double _dropout;
    private readonly SeededRandom _dropoutRandom;

    /// <summary>Creates the model with nanoGPT's initialization drawn from <paramref name="random"/> (missing: <see cref="LayerDefaults"/>').</summary>
    public Gpt(GptConfig config, SeededRandom? random = null)
    {
        Config = config ?? throw new ArgumentNullException(nameof(config));
        if (config.VocabularySize < 1 || config.BlockSize < 1 || config.Layers < 1)
            throw new ArgumentException($"Gpt: the vocabulary, block size and layer count must be positive, got {config}.");
        random ??= LayerDefaults.Random;
        var normal = Initializer.Normal(std: 0.02);
        TokenEmbedding = RegisterModule("transformer.wte", new Embedding<T>(config.VocabularySize, config.Embedding, random, normal));
        PositionEmbedding = RegisterModule("transformer.wpe", new Embedding<T>(config.BlockSize, config.Embedding, random, normal));
        Blocks = RegisterModule("transformer.h", new ModuleList<T>(Enumerable.Range(0, config.Layers).Select(_ => (Module<T>)new GptBlock<T>(config, random)).ToList()));
        FinalNorm = RegisterModule("transformer.ln_f", new LayerNorm<T>(config.Embedding, bias: config.Bias));
        _dropout = config.Dropout;
        _dropoutRandom = random.Fork();
    }

    /// <summary>The sizes.</summary>
    public GptConfig Config { get; }
    /// <summary>The token table (also the output head's weight).</summary>
    public Embedding<T> TokenEmbedding { get; }
    /// <summary>The position table.</summary>
    public Embedding<T> PositionEmbedding { get; }
    /// <summary>The blocks.</summary>
    public ModuleList<T> Blocks { get; }
    /// <summary>The final LayerNorm.</summary>
    public LayerNorm<T> FinalNorm { get; }

    /// <summary>The parameter count without the position table, as nanoGPT's <c>get_num_params()</c> reports it.</summary>
    public long NonEmbeddingParameterCount => ParameterCount - PositionEmbedding.Weight.Size;

    /// <summary>The logits [B, T, vocabulary] for token indices [B, T].</summary>
    public Tensor<T> Forward(IndexTensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Shape.Rank != 2 || tokens.Shape[1] > Config.BlockSize || tokens.Shape[1] < 1)
            throw new ArgumentException($"Gpt: tokens must be [B, T] with 1 ≤ T ≤ {Config.BlockSize} (the block size), got shape {tokens.Shape}.");
        var x = TokenEmbedding.Forward(tokens) + PositionEmbedding.Forward(IndexTensor.Arange(tokens.Shape[1]));
        if (IsTraining && _dropout > 0) x = x.Dropout(_dropout, _dropoutRandom);
        foreach (var block in Blocks) x = block.Forward(x);
        return FinalNorm.Forward(x).Linear(TokenEmbedding.Weight);
    }

    /// <summary>The logits for token indices held as numbers [B, T] (whole numbers, as a <see cref="Sequential{T}"/> passes them).</summary>
    public override Tensor<T> Forward(Tensor<T> input) => Forward(IndexTensor.FromWholeNumbers(input, "Gpt"));

    /// <summary>
    /// Continues <paramref name="prompt"/> by <paramref name="count"/> tokens (nanoGPT's <c>generate</c>): the last block of
    /// context in, the last position's logits divided by <paramref name="temperature"/>, kept to the
    /// <paramref name="topK"/> largest when given, softmax, one draw from <paramref name="random"/>. Runs in evaluation mode
    /// without recording.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, int count, SeededRandom random, double temperature = 1.0, int? topK = null)
    {
        ArgumentNullException.ThrowIfNull(prompt); ArgumentNullException.ThrowIfNull(random);
        if (prompt.Count == 0) throw new ArgumentException("Gpt.Generate needs a prompt of at least one token.");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"Gpt.Generate: the temperature must be positive, got {temperature}.");
        var tokens = prompt.ToList();
        bool training = IsTraining;
        Eval();
        try
        {
            using var _ = Autograd.GradMode.Disable();
            for (int n = 0; n < count; n++)
            {
                using var scope = TensorPool.BeginScope();
                var context = tokens.Skip(Math.Max(0, tokens.Count - Config.BlockSize)).ToArray();
                var logits = Forward(IndexTensor.FromArray(context, 1, context.Length));
                var last = logits.Narrow(1, context.Length - 1, 1).ToArray().Select(v => double.CreateChecked(v) / temperature).ToArray();
                if (topK is { } k && k < last.Length)
                {
                    double kth = last.OrderByDescending(v => v).ElementAt(Math.Max(0, k - 1));
                    for (int i = 0; i < last.Length; i++) if (last[i] < kth) last[i] = double.NegativeInfinity;
                }
                double max = last.Max(), sum = 0;
                var p = last.Select(v => Math.Exp(v - max)).ToArray();
                foreach (var v in p) sum += v;
                double u = random.NextDouble() * sum, acc = 0;
                int choice = p.Length - 1;
                for (int i = 0; i < p.Length; i++) { acc += p[i]; if (u < acc) { choice = i; break; } }
                tokens.Add(choice);
            }
        }
        finally { if (training) Train(); }
        return [.. tokens.Skip(prompt.Count)];
    }
}
