// nanoGPT's shakespeare_char on the CPU (its README: --device=cpu --compile=False --eval_iters=20 --log_interval=1
// --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000
// --dropout=0.0), written with DeepLite: the model of model.py, the loop of train.py, the sampling of sample.py.
//
//   dotnet run -c Release --project samples/DeepLite.CharGpt -- [--iters 2000] [--seed 1337]
//       [--checkpoint gpt.safetensors] [--sample 300] [--log-interval N]
//
// A killed run started again with the same --checkpoint resumes after its last evaluation and prints the same numbers.
using System.Diagnostics;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;
using DeepLite.Training;

var options = Options.Parse(args);
if (options is null) return 2;

// Data: char-rnn's Tiny Shakespeare, the file nanoGPT's prepare.py downloads, from the data store (its cache, then
// DEEPLITE_DATA_MIRROR, then the official address; checked by SHA-256), tokenized by character, 90 % / 10 %.
TextDataset corpus;
try { corpus = new DataStore().LoadText("tinyshakespeare"); }
catch (Exception e) when (e is FileNotFoundException or DatasetFormatException) { Console.Error.WriteLine(e.Message); return 1; }
var (train, val) = (corpus.Train, corpus.Validation);
Console.WriteLine($"{corpus.Text.Length:N0} characters, vocabulary {corpus.Vocabulary.Count}, train {train.Length:N0}, val {val.Length:N0} ({corpus.Location})");

// train.py's settings for this run.
var config = GptConfig.ShakespeareCharCpu with { VocabularySize = corpus.Vocabulary.Count };
const int BatchSize = 12, EvalInterval = 250, EvalIters = 20, WarmupIters = 100;
const double LearningRate = 1e-3, MinLearningRate = 1e-4, WeightDecay = 0.1, GradClip = 1.0;
int maxIters = options.Iterations, decayIters = options.Iterations;

var random = new SeededRandom(options.Seed);
var model = new Gpt<float>(config, random.Fork());
Console.WriteLine($"number of parameters: {model.NonEmbeddingParameterCount / 1e6:F2}M");
var parameters = model.Parameters();
// configure_optimizers: weight decay on the tensors of two or more dimensions, none on the rest.
var optimizer = new AdamW<float>(
    [new ParameterGroup<float>(parameters.Where(p => p.Rank >= 2), weightDecay: WeightDecay),
     new ParameterGroup<float>(parameters.Where(p => p.Rank < 2), weightDecay: 0)],
    learningRate: LearningRate, beta1: 0.9, beta2: 0.99);
var batches = random.Fork();

// get_lr: linear warm-up over 100 iterations, then a cosine down to the minimum at decayIters.
double RateAt(int it) => it < WarmupIters ? LearningRate * (it + 1) / (WarmupIters + 1)
    : it > decayIters ? MinLearningRate
    : MinLearningRate + 0.5 * (1 + Math.Cos(Math.PI * (it - WarmupIters) / (decayIters - WarmupIters))) * (LearningRate - MinLearningRate);

// get_batch: random windows of block_size + 1 characters, drawn from a seeded generator.
(IndexTensor X, int[] Y) Batch(int[] source, SeededRandom r)
{
    var x = new int[BatchSize * config.BlockSize]; var y = new int[x.Length];
    for (int b = 0; b < BatchSize; b++)
    {
        int start = r.NextInt(source.Length - config.BlockSize);
        Array.Copy(source, start, x, b * config.BlockSize, config.BlockSize);
        Array.Copy(source, start + 1, y, b * config.BlockSize, config.BlockSize);
    }
    return (IndexTensor.FromArray(x, BatchSize, config.BlockSize), y);
}

Tensor<float> LossOf(IndexTensor x, int[] y) => Loss.CrossEntropy(model.Forward(x).Reshape(-1, config.VocabularySize), y);

// estimate_loss: 20 batches of each split in evaluation mode, from the generator's current state.
(double Train, double Val) Estimate()
{
    model.Eval();
    using var _ = DeepLite.Autograd.GradMode.Disable();
    double Mean(int[] source)
    {
        double sum = 0;
        for (int k = 0; k < EvalIters; k++)
        {
            using var scope = TensorPool.BeginScope();
            var (x, y) = Batch(source, batches);
            sum += LossOf(x, y).Item();
        }
        return sum / EvalIters;
    }
    var result = (Mean(train), Mean(val));
    model.Train();
    return result;
}

int iter = 0, resumedAt = -1;
double lastVal = double.NaN;
if (options.Checkpoint is { } saved && File.Exists(saved))
{
    // The checkpoint was written right after an evaluation: the model, AdamW's state and the batch generator as they
    // were then, and that evaluation's losses, so the resumed run prints and computes what the first run did.
    var info = Checkpoint.Load(saved, model, optimizer, batches);
    iter = resumedAt = info.Epoch;
    lastVal = double.Parse(info.Metadata["val_loss"], System.Globalization.CultureInfo.InvariantCulture);
    Console.WriteLine($"resumed from {saved} at iteration {iter}");
    Console.WriteLine($"step {iter}: train loss {info.Metadata["train_loss"]}, val loss {info.Metadata["val_loss"]}");
}

var wall = Stopwatch.StartNew();
var times = new List<double>();
while (true)
{
    optimizer.LearningRate = RateAt(iter);
    if (iter % EvalInterval == 0 && iter != resumedAt)
    {
        var (trainLoss, valLoss) = Estimate();
        lastVal = valLoss;
        string t = trainLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), v = valLoss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"step {iter}: train loss {t}, val loss {v}");
        if (options.Checkpoint is { } file && iter > 0)
            Checkpoint.Save(file, model, optimizer, iter, batches, new Dictionary<string, string> { ["train_loss"] = t, ["val_loss"] = v });
    }
    if (iter == maxIters) break; // train.py steps once more here and stops; its reported loss is the evaluation above
    var step = Stopwatch.StartNew();
    // zero_grad, forward, backward, a finite-loss check, clip_grad_norm_(1.0), step: in the step's own pool scope.
    double loss = Trainer.Step(optimizer, () => { var (x, y) = Batch(train, batches); return LossOf(x, y); }, maxGradientNorm: GradClip, step: iter);
    if (options.LogInterval > 0 && iter % options.LogInterval == 0) Console.WriteLine($"iter {iter}: loss {loss:F4}, time {step.Elapsed.TotalMilliseconds:F1} ms");
    times.Add(step.Elapsed.TotalMilliseconds);
    iter++;
}
wall.Stop();
if (times.Count > 10)
{
    var steady = times.Skip(10).Order().ToArray();
    Console.WriteLine($"{times.Count} iterations in {wall.Elapsed.TotalSeconds:F1} s: first 10 {times.Take(10).Sum():F0} ms, then median {steady[steady.Length / 2]:F2} ms/iteration");
}
Console.WriteLine($"val loss at iteration {iter}: {lastVal:F4}");

if (options.Sample > 0)
{
    // sample.py: start from "\n", temperature 0.8, top-k 200.
    var generated = model.Generate(corpus.Encode("\n"), options.Sample, new SeededRandom(options.Seed), temperature: 0.8, topK: 200);
    Console.WriteLine("---");
    Console.WriteLine(corpus.Decode(generated));
}
return 0;

internal sealed record Options(int Iterations, long Seed, string? Checkpoint, int Sample, int LogInterval)
{
    public static Options? Parse(string[] args)
    {
        var o = new Options(2000, 1337, null, 300, 0);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                o = args[i] switch
                {
                    "--iters" => o with { Iterations = int.Parse(Value()) },
                    "--seed" => o with { Seed = long.Parse(Value()) },
                    "--checkpoint" => o with { Checkpoint = Value() },
                    "--sample" => o with { Sample = int.Parse(Value()) },
                    "--log-interval" => o with { LogInterval = int.Parse(Value()) },
                    _ => throw new ArgumentException($"unknown option {args[i]}"),
                };
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"{e.Message}. Usage: [--iters N] [--seed N] [--checkpoint FILE] [--sample N] [--log-interval N]");
                return null;
            }
        }
        if (o.Iterations < 0 || o.Sample < 0) { Console.Error.WriteLine("--iters and --sample take non-negative numbers"); return null; }
        return o;
    }
}
