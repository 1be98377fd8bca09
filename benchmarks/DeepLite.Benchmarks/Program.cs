using BenchmarkDotNet.Running;
using DeepLite.Benchmarks;

// `--gemm-table`: a quick Stopwatch GFLOPS table; `--loop`: whole training loops. Anything else goes to BenchmarkDotNet, e.g.
// `--filter *Gemm*` or `--filter *` (see benchmarks/README.md).
if (args.Length > 0 && args[0] == "--gemm-table")
{
    GemmTable.Print();
    return 0;
}
// `--loop mlp|cnn [--processes N]`: whole training loops in fresh processes, DeepLite against TorchSharp (TrainingLoops.cs).
if (args.Length > 1 && args[0] == "--loop")
    return TrainingLoops.Drive(args[1], args.Length > 3 && args[2] == "--processes" ? int.Parse(args[3]) : 10);
if (args.Length > 2 && args[0] == "--loop-child")
    return TrainingLoops.Child(args[1], args[2]);
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
return 0;
