using System.Diagnostics;
using System.Globalization;
using DeepLite.Data;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>
/// Whole training loops as a user writes them (data, step, accuracy bookkeeping, test evaluation per epoch), each
/// run in fresh processes, DeepLite and TorchSharp alternating: <c>--loop mlp|cnn [--processes N]</c>. A
/// microbenchmark's steady state hides the first epochs (JIT tiering) and slow phases; this shows them.
/// </summary>
/// <remarks>
/// mlp: MNIST 784-128-32-10, SGD(0.01, momentum 0.9), batch 128, 10 epochs over the 60,000 images, shuffled per
/// epoch, test evaluation per epoch. cnn: the 4-conv CIFAR-10 CNN of HW1, Adadelta(0.1, 0.95, 1e-8), batch 256,
/// 3 epochs over 5,000 images, test evaluation on 1,000. Both libraries on two threads, the same data and
/// hyper-parameters; seeds differ (the libraries' generators differ), the work does not.
/// </remarks>
internal static class TrainingLoops
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>
    /// The driver: spawns the children and prints the table. <paramref name="tiered"/> false (the default) runs both
    /// libraries' children without tiered JIT, what the console and the sample set for training; true with the
    /// runtime's default. <paramref name="consumer"/> (mlp only) runs DeepLite's side as a consumer's own program:
    /// benchmarks/DeepLite.ConsumerLoop, the package from the local feed, no runtime setting of its own (tiered JIT, no
    /// JIT profile, the default GC; dynamic PGO off, as the package's DeepLite.props sets it), and TorchSharp's child
    /// with the runtime's defaults.
    /// </summary>
    public static int Drive(string loop, int processes, bool tiered, bool consumer)
    {
        string? consumerDll = null;
        if (consumer)
        {
            if (loop != "mlp") { Console.Error.WriteLine("--consumer: only the mlp loop has a consumer program"); return 2; }
            consumerDll = ConsumerLoopDll();
            if (consumerDll is null)
            {
                Console.Error.WriteLine("--consumer: benchmarks/DeepLite.ConsumerLoop is not built; from the repository's root: " +
                    "rm -rf artifacts && dotnet pack DeepLite.Core -c Release -o artifacts/feed && dotnet build benchmarks/DeepLite.ConsumerLoop -c Release");
                return 1;
            }
        }
        var times = new Dictionary<string, List<double[]>> { ["DeepLite"] = [], ["TorchSharp"] = [] };
        // The children record and replay a multicore JIT profile as the console does (its JitProfile, kept per machine):
        // one process of each library records it first, as a user's first run on a machine does once, and is shown
        // apart; the N timed processes start with it, as every later run of the user's does. A consumer's program has
        // no profile: every process is timed.
        var profiles = Directory.CreateTempSubdirectory("deeplite-loop-jit-").FullName;
        for (int p = consumer ? 0 : -1; p < processes; p++)
            foreach (var library in new[] { "DeepLite", "TorchSharp" })
            {
                var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
                // No child inherits this process's DOTNET_ runtime settings; a console-mode child gets its own below.
                foreach (var name in psi.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && k is not ("DOTNET_CLI_TELEMETRY_OPTOUT" or "DOTNET_NOLOGO")).ToList())
                    psi.Environment.Remove(name);
                if (!consumer)
                {
                    psi.Environment["DOTNET_TieredCompilation"] = tiered ? "1" : "0";
                    psi.Environment["DEEPLITE_LOOP_JIT_PROFILES"] = profiles;
                }
                if (consumer && library == "DeepLite") psi.ArgumentList.Add(consumerDll!);
                else
                {
                    psi.ArgumentList.Add(typeof(TrainingLoops).Assembly.Location);
                    foreach (var a in new[] { "--loop-child", loop, library }) psi.ArgumentList.Add(a);
                }
                using var child = Process.Start(psi)!;
                var output = child.StandardOutput.ReadToEnd();
                var errors = child.StandardError.ReadToEnd();
                child.WaitForExit();
                if (child.ExitCode != 0) { Console.Error.WriteLine($"{library} process {p + 1} failed: {errors}"); Directory.Delete(profiles, true); return 1; }
                var epochs = output.Split('\n').Where(l => l.StartsWith("epoch ", StringComparison.Ordinal))
                    .Select(l => double.Parse(l.Split(' ')[2], C)).ToArray();
                if (p >= 0) times[library].Add(epochs);
                Console.WriteLine($"{library} {(p < 0 ? "process recording the JIT profile (not in the table)" : $"process {p + 1}")}: {epochs.Sum():F2} s ({string.Join(" ", epochs.Select(e => e.ToString("F2", C)))})");
            }
        Console.WriteLine();
        Console.WriteLine($"| {loop} loop, {processes} fresh processes each, {(consumer ? "a consumer's program, the runtime's defaults" : $"tiered JIT {(tiered ? "on" : "off")}")} | whole run median (min-max) | spread max/min | median epoch | first epoch (median) | first / median epoch |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (library, runs) in times)
        {
            var totals = runs.Select(r => r.Sum()).Order().ToList();
            var epochs = runs.SelectMany(r => r.Skip(1)).Order().ToList();
            var firsts = runs.Select(r => r[0]).Order().ToList();
            double medianEpoch = Median(epochs), medianFirst = Median(firsts);
            Console.WriteLine($"| {library} | {Median(totals):F2} s ({totals[0]:F2}-{totals[^1]:F2}) | {totals[^1] / totals[0]:F2} | {medianEpoch:F3} s | {medianFirst:F3} s | {medianFirst / medianEpoch:F2} |");
        }
        double ratio = Median(times["TorchSharp"].Select(r => r.Sum()).ToList()) / Median(times["DeepLite"].Select(r => r.Sum()).ToList());
        Console.WriteLine($"\nTorchSharp median / DeepLite median, whole run: {ratio:F2}x");
        Directory.Delete(profiles, true);
        return 0;
    }

    /// <summary>benchmarks/DeepLite.ConsumerLoop's build output, found from this program's (same configuration), or null.</summary>
    private static string? ConsumerLoopDll()
    {
        // .../benchmarks/DeepLite.Benchmarks/bin/<Configuration>/net10.0/DeepLite.Benchmarks.dll
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var benchmarks = output.Parent?.Parent?.Parent?.Parent;
        if (benchmarks is null) return null;
        var dll = Path.Combine(benchmarks.FullName, "DeepLite.ConsumerLoop", "bin", output.Parent!.Name, output.Name, "DeepLite.ConsumerLoop.dll");
        return File.Exists(dll) ? dll : null;
    }

    private static double Median(IReadOnlyList<double> sorted)
    {
        var s = sorted.Order().ToList();
        return s.Count == 0 ? double.NaN : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>One child: runs the loop and prints "epoch i seconds" lines.</summary>
    public static int Child(string loop, string library)
    {
        if (Environment.GetEnvironmentVariable("DEEPLITE_LOOP_JIT_PROFILES") is { Length: > 0 } profiles)
        {
            System.Runtime.ProfileOptimization.SetProfileRoot(profiles);
            System.Runtime.ProfileOptimization.StartProfile($"{loop}-{library}.jitprofile");
        }
        var (train, test, epochs, batch) = loop switch
        {
            "mlp" => (DataStore.Get("mnist").Train, DataStore.Get("mnist").Test, 10, 128),
            "cnn" => (DataStore.Get("cifar10").Train.Take(5_000), DataStore.Get("cifar10").Test.Take(1_000), 3, 256),
            _ => throw new ArgumentException($"Unknown loop '{loop}' (mlp or cnn)."),
        };
        if (library == "DeepLite") DeepLiteLoop(loop, train, test, epochs, batch);
        else TorchLoop(loop, train, test, epochs, batch);
        return 0;
    }

    private static void DeepLiteLoop(string loop, ImageDataset train, ImageDataset test, int epochs, int batchSize)
    {
        var random = new SeededRandom(1);
        var model = loop == "mlp" ? Hw1Models.ImageMlp(random, 784, 128, 32, 10) : ModelDescription.Parse(Hw1Models.Cnns[1]).Build<float>([3, 32, 32], 10, random);
        Optimizer<float> optimizer = loop == "mlp" ? new Sgd<float>(model.Parameters(), 0.01, momentum: 0.9) : new Adadelta<float>(model.Parameters(), 0.1, 0.95, 1e-8);
        var loader = new DataLoader(train, batchSize, shuffle: true, seed: 1);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            var (_, trainAccuracy) = Trainer.ClassificationEpoch(model, optimizer, loader, epoch);
            var (_, testAccuracy) = Evaluation.Evaluate(model, test, 1000);
            Console.WriteLine($"epoch {epoch + 1} {clock.Elapsed.TotalSeconds.ToString("F4", C)} train {trainAccuracy:F4} test {testAccuracy:F4}");
        }
    }

    private static void TorchLoop(string loop, ImageDataset train, ImageDataset test, int epochs, int batchSize)
    {
        Torch.Init();
        var (x, y) = ToTorch(train);
        var (tx, ty) = ToTorch(test);
        nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model = loop == "mlp"
            ? nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10))
            : nn.Sequential(
                nn.Conv2d(3, 64, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(64, 128, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(128, 256, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(256, 480, 3, padding: 1), nn.ReLU(), nn.Flatten(), nn.Linear(480 * 16, 10));
        optim.Optimizer optimizer = loop == "mlp" ? optim.SGD(model.parameters(), 0.01, momentum: 0.9) : optim.Adadelta(model.parameters(), 0.1, 0.95, 1e-8);
        var generator = new Generator().manual_seed(1);
        long n = x.shape[0];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            long correct = 0;
            double lossSum = 0;
            using (var order = randperm(n, generator: generator))
                for (long start = 0; start < n; start += batchSize)
                {
                    using var scope = NewDisposeScope();
                    var index = order.narrow(0, start, Math.Min(batchSize, n - start));
                    var xb = x.index_select(0, index);
                    var yb = y.index_select(0, index);
                    optimizer.zero_grad();
                    var logits = model.forward(loop == "mlp" ? xb.flatten(1) : xb);
                    var loss = nn.functional.cross_entropy(logits, yb);
                    loss.backward();
                    optimizer.step();
                    lossSum += loss.item<float>() * index.shape[0];
                    correct += logits.argmax(1).eq(yb).sum().item<long>();
                }
            long testCorrect = 0;
            using (no_grad())
                for (long start = 0; start < tx.shape[0]; start += 1000)
                {
                    using var scope = NewDisposeScope();
                    var xb = tx.narrow(0, start, Math.Min(1000, tx.shape[0] - start));
                    var yb = ty.narrow(0, start, xb.shape[0]);
                    var logits = model.forward(loop == "mlp" ? xb.flatten(1) : xb);
                    _ = nn.functional.cross_entropy(logits, yb).item<float>();
                    testCorrect += logits.argmax(1).eq(yb).sum().item<long>();
                }
            Console.WriteLine($"epoch {epoch + 1} {clock.Elapsed.TotalSeconds.ToString("F4", C)} train {correct / (double)n:F4} test {testCorrect / (double)tx.shape[0]:F4}");
        }
    }

    /// <summary>The dataset as TorchSharp tensors: images [N, C, H, W] scaled to [0, 1], labels int64.</summary>
    private static (TorchSharp.torch.Tensor Images, TorchSharp.torch.Tensor Labels) ToTorch(ImageDataset data)
    {
        var pixels = new float[(long)data.Count * data.ImageSize];
        data.WriteImages(Enumerable.Range(0, data.Count).ToArray(), pixels);
        return (tensor(pixels, [data.Count, data.Channels, data.Height, data.Width]), tensor(data.Labels.Select(l => (long)l).ToArray()));
    }
}
