using BenchmarkDotNet.Running;
using DeepLite.Benchmarks;

// `--gemm-table`: a quick Stopwatch GFLOPS table. Anything else goes to BenchmarkDotNet, e.g.
// `--filter *Gemm*` or `--filter *` (see benchmarks/README.md).
if (args.Length > 0 && args[0] == "--gemm-table")
{
    GemmTable.Print();
    return 0;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
return 0;
