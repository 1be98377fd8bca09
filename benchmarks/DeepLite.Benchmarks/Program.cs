using BenchmarkDotNet.Running;
using DeepLite.Benchmarks;

// `--gemm-table`: a quick Stopwatch GFLOPS table; `--loop`: whole training loops. Anything else goes to BenchmarkDotNet, e.g.
// `--filter *Gemm*` or `--filter *` (see benchmarks/README.md).
if (args.Length > 0 && args[0] == "--gemm-table")
{
    GemmTable.Print();
    return 0;
}
// `--loop mlp|cnn [--processes N] [--tiered]`: whole training loops in fresh processes, DeepLite against TorchSharp
// (TrainingLoops.cs); --tiered keeps the runtime's tiered JIT in the children. `--loop mlp --consumer`: DeepLite's side
// is benchmarks/DeepLite.ConsumerLoop (the package from the local feed, the runtime's defaults), TorchSharp's the
// child with the runtime's defaults.
if (args.Length > 1 && args[0] == "--loop")
{
    int at = Array.IndexOf(args, "--processes");
    return TrainingLoops.Drive(args[1], at > 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : 10, tiered: args.Contains("--tiered"), consumer: args.Contains("--consumer"));
}
// `--gpt [--processes N] [--iters N]`: nanoGPT's shakespeare_char CPU run, DeepLite against TorchSharp (GptLoop.cs).
if (args.Length > 0 && args[0] == "--gpt")
{
    int p = Array.IndexOf(args, "--processes"), i = Array.IndexOf(args, "--iters");
    return GptLoop.Drive(p > 0 && p + 1 < args.Length ? int.Parse(args[p + 1]) : 5, i > 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : 2000);
}
if (args.Length > 2 && args[0] == "--gpt-child")
    return GptLoop.Child(args[1], int.Parse(args[2]));
if (args.Length > 2 && args[0] == "--loop-child")
    return TrainingLoops.Child(args[1], args[2]);
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
return 0;
