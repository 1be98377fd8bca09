using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Docs;

// snippet-begin: block
/// <summary>A pre-norm transformer block as GPT-2's: x + attn(ln(x)), then x + mlp(ln(x)).</summary>
public sealed class Block : Module<float>
{
    private readonly LayerNorm<float> _ln1, _ln2;
    private readonly CausalSelfAttention<float> _attention;
    private readonly Dense<float> _up, _down;

    public Block(int width, int heads, SeededRandom random)
    {
        _ln1 = RegisterModule("ln_1", new LayerNorm<float>(width, bias: false));
        _attention = RegisterModule("attn", new CausalSelfAttention<float>(width, heads, random, Initializer.Normal(std: 0.02), bias: false));
        _ln2 = RegisterModule("ln_2", new LayerNorm<float>(width, bias: false));
        _up = RegisterModule("c_fc", new Dense<float>(width, 4 * width, random, Initializer.Normal(std: 0.02), bias: false));
        _down = RegisterModule("c_proj", new Dense<float>(4 * width, width, random, Initializer.Normal(std: 0.02), bias: false));
    }

    public override Tensor<float> Forward(Tensor<float> x)
    {
        x += _attention.Forward(_ln1.Forward(x));
        return x + _down.Forward(_up.Forward(_ln2.Forward(x)).Gelu());
    }
}
// snippet-end

public sealed partial class DocSamples
{
    [Fact]
    public void SequenceModel()
    {
        // snippet-begin: sequence-model
        var random = new SeededRandom(7);
        int vocabulary = 16, context = 8, width = 32;
        var tokens = new Embedding<float>(vocabulary, width, random);
        var positions = new Embedding<float>(context, width, random);
        var blocks = new ModuleList<float>(new Block(width, heads: 4, random), new Block(width, heads: 4, random));
        var head = new Dense<float>(width, vocabulary, random, bias: false);
        var all = new ModuleList<float>(tokens, positions, blocks, head);   // one owner of every parameter

        // nanoGPT's groups: weight decay on matrices only.
        var parameters = all.Parameters();
        var optimizer = new AdamW<float>(
            [new ParameterGroup<float>(parameters.Where(p => p.Rank >= 2), weightDecay: 0.1),
             new ParameterGroup<float>(parameters.Where(p => p.Rank < 2), weightDecay: 0)],
            learningRate: 1e-2, beta1: 0.9, beta2: 0.99);
        var schedule = new SequentialLR<float>(optimizer,
            [new LinearLR<float>(optimizer, startFactor: 0.1, endFactor: 1, epochs: 10),
             new CosineAnnealingLR<float>(optimizer, epochs: 50, minimum: 1e-3)], milestones: [10]);

        // Learn to continue 0, 1, 2, ... (mod 16) from random starting points.
        float lastLoss = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = TensorPool.BeginScope();
            var starts = Enumerable.Range(0, 4).Select(_ => (int)(random.NextDouble() * vocabulary)).ToArray();
            var input = IndexTensor.FromArray(starts.SelectMany(s => Enumerable.Range(s, context).Select(t => t % vocabulary)).ToArray(), 4, context);
            int[] targets = starts.SelectMany(s => Enumerable.Range(s + 1, context).Select(t => t % vocabulary)).ToArray();

            var x = tokens.Forward(input) + positions.Forward(IndexTensor.Arange(context));   // [4, 8, 32] + [8, 32]
            foreach (var block in blocks) x = block.Forward(x);
            var logits = head.Forward(x).Reshape(-1, vocabulary);                            // [32, 16]
            var loss = Loss.CrossEntropy(logits, targets, labelSmoothing: 0.05);

            optimizer.ZeroGrad();
            loss.Backward();
            GradientClipping.ClipByNorm(parameters, maxNorm: 1.0);
            optimizer.Step();
            schedule.Step();
            lastLoss = loss.Item();
        }
        Console.WriteLine($"loss after 60 steps: {lastLoss:F3}");   // from ln 16 = 2.77 to about 0.3
        // snippet-end
        Assert.True(lastLoss < 1.0, $"the toy sequence model did not learn: loss {lastLoss}");
        Assert.Equal(2 * (4 * 32 * 32 + 2 * 32 + 2 * 4 * 32 * 32) + 16 * 32 + 8 * 32 + 16 * 32, all.ParameterCount);
    }

    [Fact]
    public void NewOps()
    {
        // snippet-begin: new-ops
        var x = Tensor.FromArray(new double[] { -2, -0.5, 0.5, 3 }, 2, 2);
        var clamped = x.Clamp(min: -1, max: 1);                 // torch.clamp(x, -1, 1)
        var mask = x.Gt(0.0);                                   // x > 0: a BoolTensor
        var positive = Tensor<double>.Where(mask, x, x * 0.0);  // torch.where(x > 0, x, 0)
        var causal = x.MaskedFill(BoolTensor.Triu(2, 2, diagonal: 1), double.NegativeInfinity);  // mask the future
        var picked = x.Gather(1, IndexTensor.FromArray([1, 0], 2, 1));   // torch.gather(x, 1, [[1], [0]]): [[-0.5], [0.5]]
        var rows = x.IndexSelect(0, IndexTensor.FromArray([1, 1, 0]));    // x[[1, 1, 0]]
        var spread = x.Std(axis: 1, unbiased: true);            // x.std(1), Bessel-corrected as PyTorch's default
        var total = x.LogSumExp(axis: 1, keepDims: true);       // torch.logsumexp(x, 1, keepdim=True): [2, 1]
        var pieces = x.Chunk(2, axis: 1);                       // two [2, 1] tensors
        var stacked = Tensor<double>.Stack(pieces, axis: 0);    // [2, 2, 1]
        var batched = Tensor<double>.Ones(5, 1, 2, 3).MatMul(Tensor<double>.Ones(4, 3, 6));   // batch dims broadcast: [5, 4, 2, 6]
        // snippet-end
        Assert.Equal([-1, -0.5, 0.5, 1], clamped.ToArray());
        Assert.Equal([0, 0, 0.5, 3], positive.ToArray());
        Assert.Equal([-2, double.NegativeInfinity, 0.5, 3], causal.ToArray());
        Assert.Equal([-0.5, 0.5], picked.ToArray());
        Assert.Equal([0.5, 3, 0.5, 3, -2, -0.5], rows.ToArray());
        Assert.Equal(new Shape(2), spread.Shape);
        Assert.Equal(new Shape(2, 1), total.Shape);
        Assert.Equal(new Shape(2, 2, 1), stacked.Shape);
        Assert.Equal(new Shape(5, 4, 2, 6), batched.Shape);
    }
}
