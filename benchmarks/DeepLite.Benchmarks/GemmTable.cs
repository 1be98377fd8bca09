using System.Diagnostics;
using DeepLite.Kernels.Gemm;
using DeepLite.Tensors;

namespace DeepLite.Benchmarks;

/// <summary>A quick Stopwatch table of sgemm GFLOPS on 1 and 2 threads (the BenchmarkDotNet suite is the reference).</summary>
internal static class GemmTable
{
    public static void Print()
    {
        Console.WriteLine($"sgemm, micro-kernel {GemmKernel.InstructionSet}, {Environment.ProcessorCount} cores");
        Console.WriteLine("shape (MxKxN)        1 thread GFLOPS   2 threads GFLOPS");
        var shapes = new (int M, int K, int N)[] { (128, 128, 128), (256, 256, 256), (512, 512, 512), (768, 768, 768), (1024, 1024, 1024), (256, 784, 128) };
        var rng = new SeededRandom(1);
        foreach (var (m, k, n) in shapes)
        {
            var a = Tensor<float>.Uniform(new Shape(m, k), -1, 1, rng).ToArray();
            var b = Tensor<float>.Uniform(new Shape(k, n), -1, 1, rng).ToArray();
            var c = new float[m * n];
            double g1 = Measure(m, n, k, a, b, c, 1), g2 = Measure(m, n, k, a, b, c, 2);
            Console.WriteLine($"{m}x{k}x{n},".PadRight(21) + $"{g1,10:F1}        {g2,10:F1}");
        }
    }

    private static double Measure(int m, int n, int k, float[] a, float[] b, float[] c, int threads)
    {
        double flops = 2.0 * m * n * k;
        int reps = Math.Max(3, (int)(2e9 / flops));
        for (int i = 0; i < 2; i++) GemmKernel.Multiply<float>(false, false, m, n, k, a, k, b, n, c, n, maxThreads: threads);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < reps; i++) GemmKernel.Multiply<float>(false, false, m, n, k, a, k, b, n, c, n, maxThreads: threads);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
        }
        return flops / best / 1e9;
    }
}
