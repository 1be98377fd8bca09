using DeepLite.Kernels.Gemm;
using DeepLite.Tensors;

namespace DeepLite.Tests.Kernels;

/// <summary>
/// Every GEMM path against the naive triple loop: M, N and K each swept over 1..70 with the other two at
/// odd sizes, all four transpose combinations, float and double, each micro-kernel the machine supports and
/// the direct loops small products take (every tail length of their vector loops).
/// </summary>
public class GemmTests
{
    public enum Kernel { Dispatch, Avx512, Avx2, Scalar, Small }

    private static bool Supported(Kernel k) => k switch
    {
        Kernel.Avx512 => Avx512MicroKernel<float>.IsSupported,
        Kernel.Avx2 => Avx2MicroKernel<float>.IsSupported,
        _ => true,
    };

    private static void Multiply<T>(Kernel kernel, bool ta, bool tb, int m, int n, int k, T[] a, int lda, T[] b, int ldb, T[] c, int ldc, bool acc, int threads)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        switch (kernel)
        {
            case Kernel.Avx512: GemmKernel.MultiplyWith<T, Avx512MicroKernel<T>>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, threads); break;
            case Kernel.Avx2: GemmKernel.MultiplyWith<T, Avx2MicroKernel<T>>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, threads); break;
            case Kernel.Scalar: GemmKernel.MultiplyWith<T, ScalarMicroKernel<T>>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, threads); break;
            case Kernel.Small: SmallGemm.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc); break;
            default: GemmKernel.Multiply<T>(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, threads); break;
        }
    }

    private static double[] Naive(bool ta, bool tb, int m, int n, int k, double[] a, double[] b, double[]? c0)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = c0?[i * n + j] ?? 0;
                for (int p = 0; p < k; p++)
                    s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    private static void CheckCase<T>(Kernel kernel, bool ta, bool tb, int m, int n, int k, bool accumulate, int threads, double tolerance)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var r = new SeededRandom(m * 10007 + n * 101 + k);
        double[] ad = Enumerable.Range(0, m * k).Select(_ => r.Uniform(-1, 1)).ToArray();
        double[] bd = Enumerable.Range(0, k * n).Select(_ => r.Uniform(-1, 1)).ToArray();
        double[] cd = Enumerable.Range(0, m * n).Select(_ => r.Uniform(-1, 1)).ToArray();
        var a = ad.Select(T.CreateChecked).ToArray(); var b = bd.Select(T.CreateChecked).ToArray(); var c = cd.Select(T.CreateChecked).ToArray();
        // Round the inputs to T first so the reference sees exactly what the kernel sees.
        ad = a.Select(double.CreateChecked).ToArray(); bd = b.Select(double.CreateChecked).ToArray(); cd = c.Select(double.CreateChecked).ToArray();
        Multiply(kernel, ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, c, n, accumulate, threads);
        var expected = Naive(ta, tb, m, n, k, ad, bd, accumulate ? cd : null);
        for (int i = 0; i < expected.Length; i++)
        {
            double got = double.CreateChecked(c[i]);
            double bound = tolerance * (k + 1);
            if (!(Math.Abs(got - expected[i]) <= bound))
                Assert.Fail($"{kernel} {typeof(T).Name} ta={ta} tb={tb} m={m} n={n} k={k} acc={accumulate}: C[{i / n},{i % n}] = {got}, expected {expected[i]}");
        }
    }

    public static TheoryData<Kernel, bool, bool> Paths()
    {
        var data = new TheoryData<Kernel, bool, bool>();
        foreach (var k in Enum.GetValues<Kernel>())
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    data.Add(k, ta, tb);
        return data;
    }

    /// <summary>The packed paths: those that block the product over the caches.</summary>
    public static TheoryData<Kernel, bool, bool> BlockedPaths()
    {
        var data = new TheoryData<Kernel, bool, bool>();
        foreach (var row in Paths()) if (row[0] is not (Kernel.Scalar or Kernel.Small)) data.Add((Kernel)row[0], (bool)row[1], (bool)row[2]);
        return data;
    }

    [SkippableTheory, MemberData(nameof(Paths))]
    public void SweepsEverySizeFromOneToSeventy(Kernel kernel, bool ta, bool tb)
    {
        Skip.IfNot(Supported(kernel), $"This CPU cannot run the {kernel} micro-kernel.");
        for (int s = 1; s <= 70; s++)
        {
            CheckCase<float>(kernel, ta, tb, s, 13, 7, false, 1, 1e-6);
            CheckCase<float>(kernel, ta, tb, 11, s, 9, true, 1, 1e-6);
            CheckCase<float>(kernel, ta, tb, 5, 17, s, false, 1, 1e-6);
            CheckCase<double>(kernel, ta, tb, s, 13, 7, true, 1, 1e-14);
            CheckCase<double>(kernel, ta, tb, 11, s, 9, false, 1, 1e-14);
            CheckCase<double>(kernel, ta, tb, 5, 17, s, true, 1, 1e-14);
        }
    }

    [SkippableTheory, MemberData(nameof(BlockedPaths))]
    public void CrossesEveryCacheBlockBoundary(Kernel kernel, bool ta, bool tb)
    {
        Skip.IfNot(Supported(kernel), $"This CPU cannot run the {kernel} micro-kernel.");
        // K > 256 (two k blocks), N > 512 (two column blocks), M > 768 (two row blocks), on one and two
        // threads (two threads halve the range each one blocks).
        foreach (var threads in new[] { 1, 2 })
        {
            CheckCase<float>(kernel, ta, tb, 37, 1100, 300, true, threads, 1e-6);
            CheckCase<float>(kernel, ta, tb, 1600, 45, 33, false, threads, 1e-6);
            CheckCase<double>(kernel, ta, tb, 61, 1100, 290, false, threads, 1e-14);
        }
    }

    [Fact]
    public void OneAndTwoRowProductsTakeTheDirectLoopsAtAnySize()
    {
        // Batch-1 layers: large enough for packing by size, but one or two rows go to the direct loops
        // (both operands transposed stays packed), on the dispatching entry point.
        foreach (var ta in new[] { false, true })
            foreach (var tb in new[] { false, true })
                foreach (var (m, n, k) in new[] { (1, 300, 257), (2, 131, 300), (1, 5, 1000), (2, 3000, 1) })
                {
                    Assert.Equal(!(ta && tb), SmallGemm.Prefer(ta, tb, m, n, k));
                    CheckCase<float>(Kernel.Dispatch, ta, tb, m, n, k, true, 2, 1e-6);
                    CheckCase<double>(Kernel.Dispatch, ta, tb, m, n, k, false, 2, 1e-14);
                }
        Assert.False(SmallGemm.Prefer(false, false, 16, 16, 17));
    }

    /// <summary>The kernels that read A in place and pack narrow panels of B: AVX-512 and AVX2.</summary>
    public static TheoryData<Kernel> InPlaceKernels() => new() { Kernel.Avx512, Kernel.Avx2 };

    /// <summary>
    /// The AVX-512 and AVX2 kernels read A in place (rows lda apart, or transposed, lda per k step, where the kernel
    /// does not pack that one) except for the last rows (packed, zero-padded): both ways give the same bits (the same
    /// products in the same order), and match the loop, including a 1024-float (4 KB) row stride.
    /// </summary>
    [SkippableTheory, MemberData(nameof(InPlaceKernels))]
    public void ReadingAInPlaceGivesThePackedBits(Kernel kernel)
    {
        Skip.IfNot(Supported(kernel), $"This CPU cannot run the {kernel} micro-kernel.");
        foreach (var ta in new[] { false, true })
            foreach (var (m, n, k) in new[] { (37, 100, 300), (64, 50, 1024), (19, 130, 70) })
            {
                var r = new SeededRandom(m * n + k);
                var a = Enumerable.Range(0, m * k).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
                var b = Enumerable.Range(0, k * n).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
                int lda = ta ? m : k;
                var direct = new float[m * n]; var packed = new float[m * n];
                MultiplyInPlaceAndPacked(kernel, ta, false, m, n, k, a, lda, b, n, direct, packed);
                Assert.Equal(packed, direct);
                CheckCase<float>(kernel, ta, false, m, n, k, true, 2, 1e-6);
            }
    }

    /// <summary>
    /// The AVX-512 and AVX2 kernels pack a block of B no wider than a vector (a dense layer's 10 outputs) in a panel that
    /// wide instead of padding it to NR: the same bits as the padded panel (the same products in the same order), and the
    /// loop's values, for every width 1..20 (narrow, then not, every masked tail of the last vector), B stored either
    /// way, float and double, 1 and 2 threads.
    /// </summary>
    [SkippableTheory, MemberData(nameof(InPlaceKernels))]
    public void NarrowPanelsOfBGiveThePaddedBits(Kernel kernel)
    {
        Skip.IfNot(Supported(kernel), $"This CPU cannot run the {kernel} micro-kernel.");
        foreach (var tb in new[] { false, true })
            for (int n = 1; n <= 20; n++)
            {
                int m = 37, k = 70, ldb = tb ? k : n;
                var r = new SeededRandom(n * 10 + (tb ? 1 : 0));
                var a = Enumerable.Range(0, m * k).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
                var b = Enumerable.Range(0, k * n).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
                var narrow = new float[m * n]; var padded = new float[m * n];
                MultiplyInPlaceAndPacked(kernel, false, tb, m, n, k, a, k, b, ldb, narrow, padded);
                Assert.Equal(padded, narrow);
                foreach (int threads in new[] { 1, 2 })
                {
                    CheckCase<float>(kernel, false, tb, m, n, k, true, threads, 1e-6);
                    CheckCase<double>(kernel, false, tb, m, n, k, false, threads, 1e-14);
                }
            }
    }

    /// <summary>The product by <paramref name="kernel"/> as the GEMM runs it, and by the same kernel with A and B packed whole.</summary>
    private static void MultiplyInPlaceAndPacked(Kernel kernel, bool ta, bool tb, int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] inPlace, float[] packed)
    {
        if (kernel == Kernel.Avx512) Both<Avx512MicroKernel<float>>();
        else Both<Avx2MicroKernel<float>>();

        void Both<TKernel>() where TKernel : IGemmMicroKernel<float>
        {
            GemmKernel.MultiplyWith<float, TKernel>(ta, tb, m, n, k, a, lda, b, ldb, inPlace, n, false, 1);
            GemmKernel.MultiplyWith<float, PackedA<float, TKernel>>(ta, tb, m, n, k, a, lda, b, ldb, packed, n, false, 1);
        }
    }

    [Fact]
    public void ResultBitsDoNotDependOnTheThreadCount()
    {
        foreach (var (m, n, k) in new[] { (300, 200, 300), (100, 700, 257), (900, 40, 64) })
        {
            var r = new SeededRandom(m + n + k);
            var a = Enumerable.Range(0, m * k).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => (float)r.Uniform(-1, 1)).ToArray();
            var c1 = new float[m * n]; var c2 = new float[m * n];
            GemmKernel.Multiply<float>(false, true, m, n, k, a, k, b, k, c1, n, maxThreads: 1);
            GemmKernel.Multiply<float>(false, true, m, n, k, a, k, b, k, c2, n, maxThreads: 2);
            Assert.Equal(c1, c2);
        }
    }

    [Fact]
    public void RespectsLeadingDimensionsLargerThanTheMatrix()
    {
        // A 3x2 block inside a 3x5 buffer, B a 2x4 block inside 2x6, C a 3x4 block inside 3x7.
        var a = new float[15]; var b = new float[12]; var c = new float[21];
        for (int i = 0; i < 3; i++) for (int p = 0; p < 2; p++) a[i * 5 + p] = i + p + 1;
        for (int p = 0; p < 2; p++) for (int j = 0; j < 4; j++) b[p * 6 + j] = p - j;
        Array.Fill(c, 99f);
        GemmKernel.Multiply<float>(false, false, 3, 4, 2, a, 5, b, 6, c, 7);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++) Assert.Equal((i + 1) * (0 - j) + (i + 2) * (1 - j), c[i * 7 + j]);
            for (int j = 4; j < 7; j++) Assert.Equal(99f, c[i * 7 + j]);
        }
    }

    [Fact]
    public void RejectsBuffersTooSmallForTheirShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => GemmKernel.Multiply<float>(false, false, 4, 4, 4, new float[15], 4, new float[16], 4, new float[16], 4));
        Assert.Contains("A is 4 x 4", ex.Message);
    }

    /// <summary><typeparamref name="TKernel"/> without its strided form, so that GEMM packs A and pads B's panels (the path of kernels that have none).</summary>
    private readonly unsafe struct PackedA<T, TKernel> : IGemmMicroKernel<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        public static int MR => TKernel.MR;
        public static int NR => TKernel.NR;
        public static int ColumnStep => NR;
        public static bool IsSupported => TKernel.IsSupported;
        public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add) => TKernel.Run(kc, a, b, c, ldc, add);
        public static bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols) => false;
        public static bool HasStridedForm => false;
        public static bool PacksTransposedA => true;
    }
}
