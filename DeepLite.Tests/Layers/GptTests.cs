using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Training;
using DeepLite.Tensors;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Layers;

/// <summary>nanoGPT's model: its parameter names and count, weight tying, causality, gradients, sampling.</summary>
public class GptTests
{
    [Fact]
    public void TheShakespeareCharModelHasNanoGptsParameters()
    {
        var model = new Gpt<float>(GptConfig.ShakespeareCharCpu, new SeededRandom(1));
        // nanoGPT prints "number of parameters: 0.80M": 795,904 without the position table.
        Assert.Equal(795_904, model.NonEmbeddingParameterCount);
        Assert.Equal(795_904 + 64 * 128, model.ParameterCount);
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("transformer.wte.weight", names[0]);
        Assert.Contains("transformer.h.3.attn.c_attn.weight", names);
        Assert.Contains("transformer.h.0.mlp.c_proj.weight", names);
        Assert.Equal("transformer.ln_f.weight", names[^1]);
        Assert.DoesNotContain(names, n => n.EndsWith(".bias", StringComparison.Ordinal)); // bias = False
        // _init_weights: N(0, 0.02²), the residual projections N(0, (0.02 / √8)²).
        var block = (GptBlock<float>)model.Blocks[0];
        Assert.InRange(block.Up.Weight.Std().Item(), 0.019, 0.021);
        Assert.InRange(block.Down.Weight.Std().Item(), 0.0065, 0.0077);
        Assert.InRange(block.Attention.Projection.Weight.Std().Item(), 0.0065, 0.0077);
    }

    [Fact]
    public void TheHeadIsTiedToTheTokenTableAndTheModelIsCausal()
    {
        var config = new GptConfig(11, 8, 2, 2, 16);
        var model = new Gpt<double>(config, new SeededRandom(2));
        var tokens = IndexTensor.FromArray([1, 5, 3, 7, 2, 2, 9, 0, 4, 4], 2, 5);
        var logits = model.Forward(tokens);
        Assert.Equal(new Shape(2, 5, 11), logits.Shape);
        // A later token changes no earlier position's logits.
        var changed = model.Forward(IndexTensor.FromArray([1, 5, 3, 7, 10, 2, 2, 9, 0, 4], 2, 5));
        Assert.Equal(logits.Narrow(0, 0, 1).Narrow(1, 0, 4).ToArray(), changed.Narrow(0, 0, 1).Narrow(1, 0, 4).ToArray());
        // One table: the head's gradient lands on the embedding's weight.
        logits.Sum().Backward();
        var grad = model.TokenEmbedding.Weight.Grad!.ToArray();
        Assert.True(grad.Skip(6 * 16).Take(16).Any(g => g != 0), "token 6 never appears in the input, only the head can give it a gradient");
        Assert.Throws<ArgumentException>(() => model.Forward(IndexTensor.FromArray(new int[9], 1, 9)));
    }

    [Fact]
    public void GradientsMatchCentralDifferences()
    {
        // Every parameter of a small model with biases and dropout off: backward against central differences of
        // L = Σ logits · w, element by element.
        var model = new Gpt<double>(new GptConfig(7, 4, 1, 2, 4, Bias: true), new SeededRandom(3));
        var tokens = IndexTensor.FromArray([1, 5, 3, 6, 2, 0], 2, 3);
        var weights = Tensor<double>.Uniform(new Shape(2, 3, 7), 0.5, 1.5, new SeededRandom(5));
        double Loss() { using var _ = DeepLite.Autograd.GradMode.Disable(); return (model.Forward(tokens) * weights).Sum().Item(); }
        model.ZeroGrad();
        (model.Forward(tokens) * weights).Sum().Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            var analytic = p.Grad!.ToArray();
            var numeric = new double[p.Size];
            var s = p.Span;
            for (int j = 0; j < s.Length; j++)
            {
                double original = s[j], h = 1e-6 * Math.Max(1, Math.Abs(original));
                s[j] = original + h; double up = Loss();
                s[j] = original - h; double down = Loss();
                s[j] = original;
                numeric[j] = (up - down) / (2 * h);
            }
            Compare(name, analytic, numeric, 1e-6);
        }
    }

    [Fact]
    public void GenerationIsSeededAndRespectsTopK()
    {
        var model = new Gpt<float>(new GptConfig(13, 6, 1, 1, 8), new SeededRandom(4));
        var a = model.Generate([1, 2], 20, new SeededRandom(9), temperature: 0.8, topK: 3);
        var b = model.Generate([1, 2], 20, new SeededRandom(9), temperature: 0.8, topK: 3);
        Assert.Equal(a, b);
        Assert.Equal(20, a.Length);
        Assert.All(a, t => Assert.InRange(t, 0, 12));
        // top-1 is greedy: the argmax of the last position each time.
        var greedy = model.Generate([1, 2], 3, new SeededRandom(1), topK: 1);
        var logits = model.Forward(IndexTensor.FromArray([1, 2], 1, 2));
        Assert.Equal(logits.Narrow(1, 1, 1).Reshape(-1).ArgMax(), greedy[0]);
        Assert.True(model.IsTraining);
    }

    [Fact]
    public void AStoppedTrainingRunResumedFromItsCheckpointGivesTheSameBytes()
    {
        // train.py's loop in small: AdamW in two groups, clipping, batches from a seeded generator. Stopped after step 4
        // and resumed from the checkpoint (model, AdamW's moments and step, the batch generator) in a new model and
        // optimizer, it ends with the parameters of the run that never stopped, bit for bit.
        var config = new GptConfig(13, 8, 2, 2, 16);
        var text = Enumerable.Range(0, 400).Select(i => (i * 7 + i / 5) % 13).ToArray();
        (Gpt<float> Model, AdamW<float> Optimizer) Fresh()
        {
            var model = new Gpt<float>(config, new SeededRandom(21));
            var parameters = model.Parameters();
            return (model, new AdamW<float>([new ParameterGroup<float>(parameters.Where(p => p.Rank >= 2), weightDecay: 0.1),
                new ParameterGroup<float>(parameters.Where(p => p.Rank < 2), weightDecay: 0)], 1e-2, 0.9, 0.99));
        }
        void Train(Gpt<float> model, AdamW<float> optimizer, SeededRandom batches, int steps)
        {
            for (int s = 0; s < steps; s++)
                Trainer.Step(optimizer, () =>
                {
                    var x = new int[3 * 8]; var y = new int[x.Length];
                    for (int b = 0; b < 3; b++)
                    {
                        int start = batches.NextInt(text.Length - 9);
                        for (int t = 0; t < 8; t++) { x[b * 8 + t] = text[start + t]; y[b * 8 + t] = text[start + t + 1]; }
                    }
                    return Loss.CrossEntropy(model.Forward(IndexTensor.FromArray(x, 3, 8)).Reshape(-1, 13), y);
                }, maxGradientNorm: 1.0);
        }
        var whole = Fresh(); var wholeBatches = new SeededRandom(5);
        Train(whole.Model, whole.Optimizer, wholeBatches, 8);

        var path = Path.Combine(Directory.CreateTempSubdirectory("deeplite-gpt-").FullName, "gpt.safetensors");
        var first = Fresh(); var firstBatches = new SeededRandom(5);
        Train(first.Model, first.Optimizer, firstBatches, 4);
        Checkpoint.Save(path, first.Model, first.Optimizer, 4, firstBatches);
        var resumed = Fresh(); var resumedBatches = new SeededRandom(99);
        Assert.Equal(4, Checkpoint.Load(path, resumed.Model, resumed.Optimizer, resumedBatches).Epoch);
        Train(resumed.Model, resumed.Optimizer, resumedBatches, 4);
        foreach (var ((name, expected), (_, actual)) in whole.Model.NamedParameters().Zip(resumed.Model.NamedParameters()))
            Assert.True(expected.ToArray().AsSpan().SequenceEqual(actual.ToArray()), $"{name} differs after the resume");
        Assert.NotEqual(Fresh().Model.TokenEmbedding.Weight.ToArray(), whole.Model.TokenEmbedding.Weight.ToArray());
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
