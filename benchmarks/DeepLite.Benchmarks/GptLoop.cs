using System.Diagnostics;
using System.Globalization;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>
/// nanoGPT's shakespeare_char CPU run as a whole loop (`--gpt [--processes N] [--iters N]`), DeepLite's <see cref="Gpt{T}"/>
/// against the same model written with TorchSharp, in fresh processes, the libraries alternating. Both train on the same
/// batches (windows drawn by one SeededRandom seed), with train.py's AdamW (groups: decay 0.1 on matrices), warm-up
/// and cosine, clipping at 1.0, and evaluate every 250 iterations on 20 batches of each split. Each child prints every
/// iteration's milliseconds, the evaluations, and its peak resident memory (VmHWM).
/// </summary>
internal static class GptLoop
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private const int Batch = 12, Block = 64, Layers = 4, Heads = 4, Width = 128, EvalInterval = 250, EvalIters = 20, Warmup = 100;
    private const double Rate = 1e-3, MinRate = 1e-4;

    public static int Drive(int processes, int iterations)
    {
        var runs = new Dictionary<string, List<(double[] Ms, double Total, double Val, long PeakKb)>> { ["DeepLite"] = [], ["TorchSharp"] = [] };
        for (int p = 0; p < processes; p++)
            foreach (var library in new[] { "DeepLite", "TorchSharp" })
            {
                var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
                psi.Environment["DOTNET_TieredCompilation"] = "0";
                psi.ArgumentList.Add(typeof(GptLoop).Assembly.Location);
                foreach (var a in new[] { "--gpt-child", library, iterations.ToString(C) }) psi.ArgumentList.Add(a);
                using var child = Process.Start(psi)!;
                var output = child.StandardOutput.ReadToEnd();
                var errors = child.StandardError.ReadToEnd();
                child.WaitForExit();
                if (child.ExitCode != 0) { Console.Error.WriteLine($"{library} process {p + 1} failed: {errors}"); return 1; }
                var lines = output.Split('\n');
                var ms = lines.Where(l => l.StartsWith("iter ", StringComparison.Ordinal)).Select(l => double.Parse(l.Split(' ')[2], C)).ToArray();
                double total = double.Parse(lines.First(l => l.StartsWith("total ", StringComparison.Ordinal)).Split(' ')[1], C);
                double val = double.Parse(lines.Last(l => l.StartsWith("eval ", StringComparison.Ordinal)).Split(' ')[4], C);
                long peak = long.Parse(lines.First(l => l.StartsWith("peak ", StringComparison.Ordinal)).Split(' ')[1], C);
                runs[library].Add((ms, total, val, peak));
                var steady = ms.Skip(10).Order().ToArray();
                Console.WriteLine($"{library} process {p + 1}: {total:F1} s, first 10 iterations {ms.Take(10).Sum():F0} ms, median {steady[steady.Length / 2]:F2} ms/iteration, val loss {val:F4}, peak RSS {peak / 1024} MB");
            }
        Console.WriteLine();
        Console.WriteLine($"| nanoGPT shakespeare_char CPU, {iterations} iterations, {processes} fresh processes each | median ms/iteration (min-max of the processes' medians) | whole run median | first 10 iterations (median) | val loss (median) | peak RSS (max) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        var medians = new Dictionary<string, double>();
        foreach (var (library, list) in runs)
        {
            var perProcess = list.Select(r => Median(r.Ms.Skip(10).ToList())).Order().ToList();
            medians[library] = Median(perProcess);
            Console.WriteLine($"| {library} | {medians[library]:F2} ({perProcess[0]:F2}-{perProcess[^1]:F2}) | {Median(list.Select(r => r.Total).ToList()):F1} s | {Median(list.Select(r => r.Ms.Take(10).Sum()).ToList()):F0} ms | {Median(list.Select(r => r.Val).ToList()):F4} | {list.Max(r => r.PeakKb) / 1024} MB |");
        }
        Console.WriteLine($"\nTorchSharp / DeepLite, median ms per iteration: {medians["TorchSharp"] / medians["DeepLite"]:F2}x");
        return 0;
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var s = values.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static double RateAt(int it, int decay) => it < Warmup ? Rate * (it + 1) / (Warmup + 1)
        : it > decay ? MinRate : MinRate + 0.5 * (1 + Math.Cos(Math.PI * (it - Warmup) / (decay - Warmup))) * (Rate - MinRate);

    /// <summary>The batches both libraries train on: windows of the token arrays drawn by one seeded generator.</summary>
    private static (int[] X, int[] Y) Windows(int[] source, SeededRandom r)
    {
        var x = new int[Batch * Block]; var y = new int[x.Length];
        for (int b = 0; b < Batch; b++)
        {
            int start = r.NextInt(source.Length - Block);
            Array.Copy(source, start, x, b * Block, Block);
            Array.Copy(source, start + 1, y, b * Block, Block);
        }
        return (x, y);
    }

    public static int Child(string library, int iterations)
    {
        var corpus = new DataStore().LoadText("tinyshakespeare");
        var batches = new SeededRandom(1337);
        var total = Stopwatch.StartNew();
        if (library == "DeepLite") DeepLiteRun(corpus, batches, iterations);
        else TorchRun(corpus, batches, iterations);
        Console.WriteLine($"total {total.Elapsed.TotalSeconds.ToString("F3", C)}");
        var status = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        Console.WriteLine($"peak {status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]}");
        return 0;
    }

    private static void DeepLiteRun(TextDataset corpus, SeededRandom batches, int iterations)
    {
        int vocabulary = corpus.Vocabulary.Count;
        var model = new Gpt<float>(GptConfig.ShakespeareCharCpu with { VocabularySize = vocabulary }, new SeededRandom(1));
        var parameters = model.Parameters();
        var optimizer = new AdamW<float>([new ParameterGroup<float>(parameters.Where(p => p.Rank >= 2), weightDecay: 0.1),
            new ParameterGroup<float>(parameters.Where(p => p.Rank < 2), weightDecay: 0)], Rate, 0.9, 0.99);
        Tensor<float> LossOf(int[] x, int[] y) => Loss.CrossEntropy(model.Forward(IndexTensor.FromArray(x, Batch, Block)).Reshape(-1, vocabulary), y);
        for (int it = 0; ; it++)
        {
            optimizer.LearningRate = RateAt(it, iterations);
            if (it % EvalInterval == 0)
            {
                model.Eval();
                using (DeepLite.Autograd.GradMode.Disable())
                {
                    double Mean(int[] source)
                    {
                        double sum = 0;
                        for (int k = 0; k < EvalIters; k++) { using var s = TensorPool.BeginScope(); var (x, y) = Windows(source, batches); sum += LossOf(x, y).Item(); }
                        return sum / EvalIters;
                    }
                    Console.WriteLine($"eval {it} {Mean(corpus.Train).ToString("F4", C)} val {Mean(corpus.Validation).ToString("F4", C)}");
                }
                model.Train();
            }
            if (it == iterations) break;
            var clock = Stopwatch.StartNew();
            Trainer.Step(optimizer, () => { var (x, y) = Windows(corpus.Train, batches); return LossOf(x, y); }, maxGradientNorm: 1.0);
            Console.WriteLine($"iter {it} {clock.Elapsed.TotalMilliseconds.ToString("F3", C)}");
        }
    }

    /// <summary>nanoGPT's model.py in TorchSharp: pre-LN blocks, causal SDPA, exact GELU, tied head, no biases, _init_weights.</summary>
    private sealed class TorchGpt : nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>
    {
        private readonly TorchSharp.Modules.Embedding wte, wpe;
        private readonly TorchSharp.Modules.ModuleList<TorchBlock> h;
        private readonly TorchSharp.Modules.LayerNorm ln_f;

        public TorchGpt(int vocabulary) : base("gpt")
        {
            wte = nn.Embedding(vocabulary, Width); wpe = nn.Embedding(Block, Width);
            h = nn.ModuleList(Enumerable.Range(0, Layers).Select(_ => new TorchBlock()).ToArray());
            ln_f = nn.LayerNorm(Width, bias: false);
            RegisterComponents();
            using var _ = no_grad();
            foreach (var (name, p) in named_parameters())
            {
                if (name.EndsWith("c_proj.weight", StringComparison.Ordinal)) nn.init.normal_(p, 0, 0.02 / Math.Sqrt(2 * Layers));
                else if (name.EndsWith("weight", StringComparison.Ordinal) && p.dim() == 2) nn.init.normal_(p, 0, 0.02);
            }
        }

        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor idx)
        {
            long t = idx.shape[1];
            var x = wte.forward(idx) + wpe.forward(arange(t, dtype: ScalarType.Int64));
            foreach (var block in h) x = block.forward(x);
            return ln_f.forward(x).matmul(wte.weight!.t()); // the head tied to the token table
        }
    }

    private sealed class TorchBlock : nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>
    {
        private readonly TorchSharp.Modules.LayerNorm ln_1, ln_2;
        private readonly Linear c_attn, attn_proj, c_fc, c_proj;

        public TorchBlock() : base("block")
        {
            ln_1 = nn.LayerNorm(Width, bias: false); ln_2 = nn.LayerNorm(Width, bias: false);
            c_attn = nn.Linear(Width, 3 * Width, hasBias: false); attn_proj = nn.Linear(Width, Width, hasBias: false);
            c_fc = nn.Linear(Width, 4 * Width, hasBias: false); c_proj = nn.Linear(4 * Width, Width, hasBias: false);
            RegisterComponents();
        }

        public override TorchSharp.torch.Tensor forward(TorchSharp.torch.Tensor x)
        {
            long b = x.shape[0], t = x.shape[1];
            var qkv = c_attn.forward(ln_1.forward(x)).view(b, t, 3, Heads, Width / Heads).permute(2, 0, 3, 1, 4);
            var y = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], null, 0.0, true);
            x = x + attn_proj.forward(y.transpose(1, 2).contiguous().view(b, t, Width));
            return x + c_proj.forward(nn.functional.gelu(c_fc.forward(ln_2.forward(x))));
        }
    }

    private static void TorchRun(TextDataset corpus, SeededRandom batches, int iterations)
    {
        Torch.Init();
        int vocabulary = corpus.Vocabulary.Count;
        var model = new TorchGpt(vocabulary);
        var parameters = model.parameters().ToList();
        var optimizer = optim.AdamW([
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), new AdamW.Options { weight_decay = 0.1 }),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), new AdamW.Options { weight_decay = 0 })], Rate, 0.9, 0.99);
        TorchSharp.torch.Tensor LossOf(int[] x, int[] y) => nn.functional.cross_entropy(
            model.forward(tensor(x.Select(v => (long)v).ToArray(), [Batch, Block])).view(-1, vocabulary), tensor(y.Select(v => (long)v).ToArray()));
        for (int it = 0; ; it++)
        {
            foreach (var g in optimizer.ParamGroups) g.LearningRate = RateAt(it, iterations);
            if (it % EvalInterval == 0)
            {
                model.eval();
                using (no_grad())
                {
                    double Mean(int[] source)
                    {
                        double sum = 0;
                        for (int k = 0; k < EvalIters; k++) { using var s = NewDisposeScope(); var (x, y) = Windows(source, batches); sum += LossOf(x, y).item<float>(); }
                        return sum / EvalIters;
                    }
                    Console.WriteLine($"eval {it} {Mean(corpus.Train).ToString("F4", C)} val {Mean(corpus.Validation).ToString("F4", C)}");
                }
                model.train();
            }
            if (it == iterations) break;
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var (x, y) = Windows(corpus.Train, batches);
                var loss = LossOf(x, y);
                optimizer.zero_grad();
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, 1.0);
                optimizer.step();
            }
            Console.WriteLine($"iter {it} {clock.Elapsed.TotalMilliseconds.ToString("F3", C)}");
        }
    }
}
