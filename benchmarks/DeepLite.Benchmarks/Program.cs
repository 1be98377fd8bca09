using DeepLite.Benchmarks;

// `--gemm-table` prints a quick Stopwatch GFLOPS table; anything else goes to BenchmarkDotNet (when added).
if (args.Length > 0 && args[0] == "--gemm-table")
{
    GemmTable.Print();
    return 0;
}
Console.Error.WriteLine("usage: DeepLite.Benchmarks --gemm-table");
return 2;
