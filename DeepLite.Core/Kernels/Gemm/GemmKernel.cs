using System.Numerics;
using System.Runtime.InteropServices;
using DeepLite.Kernels;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// General matrix multiply, C = op(A) * op(B) (+ C when accumulating), row-major, for float and double.
/// Goto/BLIS structure: B is packed in L2-sized blocks, A in panels (or, with the AVX-512 and AVX2 kernels, read
/// in place: its broadcasts take A's values one at a time anyway), and a register-tiled micro-kernel
/// (AVX-512, AVX2/FMA or scalar) does the arithmetic.
/// </summary>
/// <remarks>
/// Determinism: every element of C is accumulated by exactly one thread, over the same k blocks in
/// the same order, with the same kernel, so the bits do not depend on the thread count.
/// </remarks>
public static unsafe class GemmKernel
{
    // Block sizes: a kc x nc block of B (256 x 512 floats = 512 KB) stays in the 1 MB L2 of
    // Skylake-SP; an MR x kc panel of A (12 KB) stays in L1 while it sweeps that block.
    private const int KC = 256;
    private const int NC = 512;
    private const int MC = 768;

    /// <summary>The instruction set the micro-kernel uses on this machine.</summary>
    public static string InstructionSet =>
        Avx512MicroKernel<float>.IsSupported ? "AVX-512" : Avx2MicroKernel<float>.IsSupported ? "AVX2+FMA" : "scalar";

    /// <summary>
    /// C[m x n] (row stride ldc) = op(A)[m x k] * op(B)[k x n], plus the previous C when <paramref name="accumulate"/>.
    /// op(A) is A (m x k, row stride lda) or, with <paramref name="transA"/>, the transpose of A stored k x m;
    /// likewise for B. <paramref name="maxThreads"/> caps the threads (0: all cores). Tiny and one- or
    /// two-row products skip the packing and run direct loops on one thread.
    /// </summary>
    public static void Multiply<T>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc,
        bool accumulate = false, int maxThreads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (SmallGemm.Prefer(transA, transB, m, n, k))
        {
            Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
            SmallGemm.Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        }
        else if (Avx512MicroKernel<T>.IsSupported) MultiplyWith<T, Avx512MicroKernel<T>>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, maxThreads);
        else if (Avx2MicroKernel<T>.IsSupported) MultiplyWith<T, Avx2MicroKernel<T>>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, maxThreads);
        else MultiplyWith<T, ScalarMicroKernel<T>>(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, maxThreads);
    }

    /// <summary>Runs with a chosen micro-kernel (the tests use this to check every path on one machine).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void MultiplyWith<T, TKernel>(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate, int maxThreads)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        fixed (T* pa = a) fixed (T* pb = b) fixed (T* pc = c)
            Run<T, TKernel>(new Job<T>(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate), maxThreads);
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size (m={m}, n={n}, k={k}).");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Check("A", aRows, aCols, lda, aLen);
        Check("B", bRows, bCols, ldb, bLen);
        Check("C", m, n, ldc, cLen);

        static void Check(string name, int rows, int cols, int ld, int len)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentException($"Gemm: leading dimension of {name} ({ld}) is smaller than its {cols} columns.");
            long need = (long)(rows - 1) * ld + cols;
            if (need > len) throw new ArgumentException($"Gemm: {name} is {rows} x {cols} with row stride {ld}, needing {need} elements, but has {len}.");
        }
    }

    private readonly struct Job<T>(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b, int ldb, T* c, int ldc, bool accumulate)
        where T : unmanaged
    {
        public readonly bool TransA = transA, TransB = transB, Accumulate = accumulate;
        public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly T* A = a, B = b, C = c;
    }

    private static void Run<T, TKernel>(Job<T> job, int maxThreads)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        int threads = maxThreads <= 0 ? WorkerPool.MaxParallelism : Math.Min(maxThreads, WorkerPool.MaxParallelism);
        if ((long)job.M * job.N * job.K < SplitThresholds.GemmMultiplyAdds) threads = 1;

        // Split M or N in whole tiles, so each thread owns a block of C; whichever leaves the busiest thread less to do.
        int mTiles = (job.M + TKernel.MR - 1) / TKernel.MR, nTiles = (job.N + TKernel.NR - 1) / TKernel.NR;
        bool splitN = SplitN(job, mTiles, nTiles, threads, ReadsAInPlace<T, TKernel>(job));
        int tiles = splitN ? nTiles : mTiles;
        threads = Math.Min(threads, tiles);
        if (threads <= 1)
        {
            Block<T, TKernel>(job, 0, job.M, 0, job.N);
            return;
        }
        WorkerPool.For(tiles, new Tiles<T, TKernel>(job, splitN), maxShares: threads);
    }

    /// <summary>
    /// Whether to split N (columns of C) rather than M over <paramref name="threads"/>: the busiest thread's work in each
    /// case, its multiply-adds (whole tiles, so 11 column tiles over 2 threads give one 6) plus what it packs, at
    /// <see cref="PackCost"/> multiply-adds per value. Every thread packs the B columns it multiplies, and A's rows
    /// unless the kernel reads A in place: split along M, each packs all of B (a GPT's dW = dYᵀ X packed the 768 x 512
    /// activation on both threads). Either split gives the same bits (each element is one thread's, summed in order).
    /// </summary>
    private static bool SplitN<T>(Job<T> job, int mTiles, int nTiles, int threads, bool directA) where T : unmanaged
    {
        static double Busiest(int tiles, int threads) => (double)((tiles + threads - 1) / threads) / tiles;
        double mk = (double)job.M * job.K, nk = (double)job.N * job.K, macs = mk * job.N;
        double sm = Busiest(mTiles, threads), sn = Busiest(nTiles, threads);
        double splitM = macs * sm + PackCost * (nk + (directA ? 0 : mk * sm));
        double splitN = macs * sn + PackCost * (nk * sn + (directA ? 0 : mk));
        return splitN < splitM || (splitN == splitM && nTiles >= mTiles);
    }

    /// <summary>
    /// The cost of packing one value, in multiply-adds: a load and a store (and, for a B larger than the caches, part of a
    /// miss) against one lane of a 16-lane FMA. An order of magnitude, not a fit: it only has to tell a packing that
    /// doubles a thread's work from one that does not.
    /// </summary>
    private const double PackCost = 16;

    /// <summary>
    /// Tiles [t0, t1) of the split dimension: one thread's block of C. A struct body, so a call allocates nothing (a
    /// Winograd layer makes 36 GEMM calls per product).
    /// </summary>
    private readonly struct Tiles<T, TKernel>(Job<T> job, bool splitN) : WorkerPool.IRange
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        public void Run(int t0, int t1)
        {
            if (splitN) Block<T, TKernel>(job, 0, job.M, t0 * TKernel.NR, Math.Min(job.N, t1 * TKernel.NR));
            else Block<T, TKernel>(job, t0 * TKernel.MR, Math.Min(job.M, t1 * TKernel.MR), 0, job.N);
        }
    }

    /// <summary>Per-thread packing buffers, 64-byte aligned and kept for the thread's life.</summary>
    private static class PackingBuffers<T> where T : unmanaged
    {
        [ThreadStatic] private static T* _buffer;
        [ThreadStatic] private static nuint _length;

        public static T* Get(nuint elements)
        {
            if (_length < elements)
            {
                if (_buffer != null) NativeMemory.AlignedFree(_buffer);
                _buffer = (T*)NativeMemory.AlignedAlloc(elements * (nuint)sizeof(T), 64);
                _length = elements;
            }
            return _buffer;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TKernel>(Job<T> job, int m0, int m1, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // Blocks are whole numbers of tiles, so packed panels never outgrow their buffers.
        int ncBlock = Math.Max(nr, NC / nr * nr), mcBlock = Math.Max(mr, MC / mr * mr);
        int ncMax = RoundUp(Math.Min(ncBlock, n1 - n0), nr);
        int mcMax = RoundUp(Math.Min(mcBlock, m1 - m0), mr);
        // Equal k blocks (784 = 4 x 196, not 3 x 256 + 16): a short last block would pay the tile
        // loads and stores for little arithmetic.
        int kBlocks = (job.K + KC - 1) / KC, kcBlock = (job.K + kBlocks - 1) / kBlocks;
        int kcMax = Math.Min(kcBlock, job.K);
        // A is read in place by kernels that can (no packing): the kernel broadcasts A's values one at a time
        // anyway, so packing only copied them; this gains even for rows 4 KB apart, which share an L1 set.
        bool direct = ReadsAInPlace<T, TKernel>(job);
        // With the strided kernel a block of B no wider than a vector (a dense layer's 10 outputs) is packed in a panel
        // that wide, not padded to NR: a fifth of the writes (a 10-output layer over 120K features: 8.0-8.6 against
        // 13.7-14.5 ms). B is always packed: read in place (B stored k x n) it lost both where its panel is reused by
        // many row tiles (rows of B 2 KB apart share L1 sets) and where by few (rows 480 KB apart: a page each).
        int panel = direct && n1 - n0 <= TKernel.ColumnStep ? TKernel.ColumnStep : nr;
        T* bp = PackingBuffers<T>.Get((nuint)(kcMax * ncMax + kcMax * mcMax + mr * nr));
        T* ap = bp + kcMax * ncMax;
        T* tile = ap + kcMax * mcMax;

        for (int jc = n0; jc < n1; jc += ncBlock)
        {
            int nc = Math.Min(ncBlock, n1 - jc);
            for (int pc = 0; pc < job.K; pc += kcBlock)
            {
                int kc = Math.Min(kcBlock, job.K - pc);
                bool add = job.Accumulate || pc > 0;
                GemmPacking.PackB(job.TransB, job.B, job.Ldb, pc, kc, jc, nc, bp, panel);
                for (int ic = m0; ic < m1; ic += mcBlock)
                {
                    int mc = Math.Min(mcBlock, m1 - ic);
                    if (!direct) GemmPacking.PackA(job.TransA, job.A, job.Lda, ic, mc, pc, kc, ap, mr);
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        T* aPanel = ap + ir * kc;
                        long rowStride = 1, step = mr;
                        if (direct && rows == mr)
                        {
                            // A read in place: MR rows (or, transposed, MR consecutive values per k).
                            aPanel = job.TransA ? job.A + (long)pc * job.Lda + ic + ir : job.A + (long)(ic + ir) * job.Lda + pc;
                            (rowStride, step) = job.TransA ? (1L, (long)job.Lda) : ((long)job.Lda, 1L);
                        }
                        else if (direct)
                        {
                            // The last rows: packed (zero-padded), so no row past M is read.
                            aPanel = ap;
                            GemmPacking.PackA(job.TransA, job.A, job.Lda, ic + ir, rows, pc, kc, aPanel, mr);
                        }
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            T* cTile = job.C + (long)(ic + ir) * job.Ldc + jc + jr;
                            T* bPanel = bp + jr * kc;
                            if (rows == mr)
                            {
                                if (cols == nr && step == mr && panel == nr) { TKernel.Run(kc, aPanel, bPanel, cTile, job.Ldc, add); continue; }
                                if (TKernel.RunStrided(kc, aPanel, rowStride, step, bPanel, panel, cTile, job.Ldc, add, cols)) continue;
                            }
                            // Edge tile: compute the tile aside (whole, or its columns with the strided kernel), keep the part inside C.
                            if (!TKernel.RunStrided(kc, aPanel, rowStride, step, bPanel, panel, tile, nr, false, cols)) TKernel.Run(kc, aPanel, bPanel, tile, nr, false);
                            for (int i = 0; i < rows; i++)
                            {
                                var src = new ReadOnlySpan<T>(tile + i * nr, cols);
                                var dst = new Span<T>(cTile + (long)i * job.Ldc, cols);
                                if (add) Elementwise.Map<T, AddOperator<T>>(dst, src, dst);
                                else src.CopyTo(dst);
                            }
                        }
                    }
                }
            }
        }
    }


    private static bool ReadsAInPlace<T, TKernel>(Job<T> job)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T> =>
        TKernel.HasStridedForm && !(job.TransA && TKernel.PacksTransposedA);

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;
}
