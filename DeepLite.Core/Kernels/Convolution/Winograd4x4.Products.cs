using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

// F(4x4, 3x3)'s 36 products as direct AVX-512 micro-kernel calls on the transformed matrices where the transforms wrote
// them, in one parallel pass: the GEMM would pack B on every thread that multiplies it, 36 calls a pass.
internal static unsafe partial class Winograd4x4
{
    /// <summary>Whether a pass with <paramref name="f"/> output channels runs as <see cref="ProductOutputPass{T}"/>.</summary>
    internal static bool MultipliesInPlace<T>(int f) where T : unmanaged, IFloatingPointIeee754<T> => Avx512MicroKernel<T>.IsSupported && f % BlockRows == 0;

    /// <summary>
    /// V's row stride for a pass of <paramref name="tiles"/> tiles: whole vectors (the kernel reads B a vector at a time), and,
    /// where the products read V in place, a vector more, so that a B panel's rows (2 KB apart for 512 tiles) do not share
    /// the few L1 sets a power-of-two stride maps them to.
    /// </summary>
    private static int RowStride<T>(int f, int tiles) where T : unmanaged, IFloatingPointIeee754<T> =>
        MultipliesInPlace<T>(f) ? PaddedRow(tiles) : tiles;

    /// <summary>A row of <paramref name="columns"/> values read in place as a B operand: whole 16-value vectors and one more.</summary>
    private static int PaddedRow(int columns) => (columns + 15) / 16 * 16 + 16;

    /// <summary>The products and output transform of a pass, M kept per item in this thread's buffer (<see cref="ProductOutputPass{T}"/>).</summary>
    private static void MultiplyAndTransformOutputs<T>(int n, int f, int c, int th, int tw, int oh, int ow, T[] u, T[] v, int vRow, int vBlock, T[]? bias, bool relu, T[] y, int yOffset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count, positions = th * tw, groups = (n + width - 1) / width;
        int groupsPerRange = Math.Max(1, RangeTiles / (width * positions)), ranges = (groups + groupsPerRange - 1) / groupsPerRange;
        int rangeTiles = Math.Min(groupsPerRange * width, n) * positions, rowTiles = f / BlockRows;
        // Row blocks whose M (36 x rows x tiles) is at most BlockProductsBytes, as many items as the threads can share
        // evenly (WorkerPool gives each thread a contiguous run: 5 items on 2 threads had made a 128 -> 256 layer 20 % slower).
        int maxRowTiles = Math.Max(1, BlockProductsBytes / (36 * BlockRows * rangeTiles * sizeof(T)));
        int blocks = (rowTiles + maxRowTiles - 1) / maxRowTiles, threads = WorkerPool.MaxParallelism;
        while (blocks < rowTiles && (ranges * blocks < threads || ranges * blocks % threads != 0)) blocks++;
        int mBlock = (rowTiles + blocks - 1) / blocks * BlockRows * rangeTiles + Skew; // the largest block's M per position
        WorkerPool.For(ranges * blocks, new ProductOutputPass<T>(n, f, c, th, tw, oh, ow, u, v, vRow, vBlock, groupsPerRange, blocks, mBlock, bias, relu, y, yOffset));
    }

    /// <summary>Tiles per item of <see cref="ProductOutputPass{T}"/>: at least this many where the pass has them (whole vector groups of samples).</summary>
    private const int RangeTiles = 128;

    /// <summary>
    /// The most bytes of M an item of <see cref="ProductOutputPass{T}"/> keeps. More than this machine's 2 MB L2: every
    /// block of filters reads its range's V again, and fewer blocks paid more than M's trips to L3 (forward at batch 256,
    /// 1 MB against 3: 128 -> 128 at 14x14 41.0 against 33.4 ms, 128 -> 256 at 8x8 17.1 against 16.5; 6 and 16 MB as 3).
    /// </summary>
    private const int BlockProductsBytes = 3 << 20;

    /// <summary>
    /// Items are (range of tiles: whole vector groups of samples, block of filters), range-major. An item computes
    /// M[ξ][f][tile] = U[ξ] V[ξ] for its filters and tiles into this thread's buffer, one micro-kernel call per position,
    /// column panel and row tile (U and V read in place: V is the products' B, which a GEMM would pack on every thread),
    /// then Y = Aᵀ M A for them while M is cached. Written whole (9.4 MB for a pass of 32 samples of 64 -> 128 channels at
    /// 16x16) M went through memory between the products and the output transform, which then waited on its loads.
    /// </summary>
    private readonly struct ProductOutputPass<T>(int n, int f, int c, int th, int tw, int oh, int ow, T[] u, T[] v, int vRow, int vBlock,
        int groupsPerRange, int blocks, int mBlock, T[]? bias, bool relu, T[] y, int yOffset) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int i0, int i1)
        {
            int nr = Avx512MicroKernel<T>.NR, width = Vector<T>.Count, positions = th * tw, rowTiles = f / BlockRows;
            var m = Workspace<T>.Get(WorkspaceSlot.WinogradBlockProducts, 36 * mBlock);
            fixed (T* up = u) fixed (T* vp = v) fixed (T* mp = m) fixed (T* y0 = y)
                for (int item = i0; item < i1; item++)
                {
                    int range = item / blocks, block = item % blocks;
                    int s0 = range * groupsPerRange * width, s1 = Math.Min(n, s0 + groupsPerRange * width);
                    // A range of whole groups is a contiguous run of tile columns (see Tile).
                    int t0 = s0 * positions, t1 = s1 * positions, count = t1 - t0;
                    int r0 = block * rowTiles / blocks, r1 = (block + 1) * rowTiles / blocks;
                    for (int xi = 0; xi < 36; xi++)
                    {
                        T* ux = up + (long)xi * f * c, vx = vp + (long)xi * vBlock + t0, mx = mp + xi * mBlock;
                        for (int j0 = 0; j0 < count; j0 += nr)
                            for (int r = r0; r < r1; r++)
                                // B's vectors past the range read the next tiles or the row's padding; the masked store drops them.
                                Avx512MicroKernel<T>.RunStrided(c, ux + (long)r * BlockRows * c, c, 1, vx + j0, vRow, mx + (r - r0) * BlockRows * count + j0, count, false,
                                    Math.Min(nr, count - j0));
                    }
                    for (int filter = r0 * BlockRows; filter < r1 * BlockRows; filter++)
                    {
                        // M's row for the filter as TransformOutputs indexes it (by the tile's column in the whole pass).
                        T* mf = mp + (filter - r0 * BlockRows) * count - t0;
                        T b = bias is null ? T.Zero : bias[filter];
                        for (int g0 = s0; g0 < s1; g0 += width)
                            TransformOutputs(mf, mBlock, g0, n, f, th, tw, oh, ow, b, relu, y0 + yOffset + (long)filter * oh * ow);
                    }
                }
        }
    }

    /// <summary>
    /// Whether the weight gradient's products run in place (<see cref="AddProductsInPlace{T}"/>): float on AVX-512 (the
    /// transposed dY tiles are written by 8x8 register transposes), filters and channels in whole row tiles of 8.
    /// </summary>
    internal static bool MultipliesGradientInPlace<T>(ConvGeometry g) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) && Vector<T>.Count == 8 && Avx512MicroKernel<T>.IsSupported && g.F % BlockRows == 0 && g.C % BlockRows == 0;

    /// <summary>
    /// P[ξ][c][f] (+)= Σ_tiles V[ξ][c][tile] Zᵀ[ξ][tile][f] over a pass of <paramref name="n"/> samples: the transformed
    /// input V as the products' A (read in place), the transformed dY written transposed (tile-major, rows padded as in
    /// <see cref="RowStride{T}"/>) as their B, read in place where the GEMM packed Z transposed on every thread.
    /// </summary>
    private static void AddProductsInPlace<T>(T[] x, int xOffset, T[] gy, int gyOffset, int n, ConvGeometry g, T[] p, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, tiles = n * th * tw, zRow = PaddedRow(g.F);
        int vBlock = g.C * tiles + Skew, ztBlock = tiles * zRow + Skew;
        var v = Workspace<T>.Get(WorkspaceSlot.Im2Col, 36 * vBlock);
        var zt = Workspace<T>.Get(WorkspaceSlot.GradientColumns, 36 * ztBlock);
        TransformInputs(x, xOffset, n, g.C, g.H, g.W, g.PadTop, g.PadLeft, th, tw, v, tiles, vBlock);
        WorkerPool.For(g.F / BlockRows * ((n + 7) / 8), new TransposedGradientPass<T>(gy, gyOffset, n, g.F, g.OH, g.OW, th, tw, zt, zRow, ztBlock));
        WorkerPool.For(36, new GradientProductPass<T>(v, vBlock, tiles, zt, zRow, ztBlock, g.C, g.F, p, accumulate));
    }

    /// <summary>
    /// Zᵀ[ξ][tile][f] = (A dY Aᵀ)[ξ] for items (8 samples, 8 filters), sample-major: each filter's planes interleaved a
    /// lane per sample and transformed as in <see cref="GradientPass{T}"/>, then per position an 8 x 8 transpose (filters
    /// by samples) into eight tile rows; a last group of fewer samples one tile at a time. Float only (the transposes).
    /// Sample-major, consecutive items write the two halves of the same cache lines (filter-major, each line was written
    /// half by one item and half much later: a 64 -> 128 layer's forward and weight gradient at 16x16, batch 32, took 6.91
    /// ms so against the packing GEMM's 7.18, and 6.02 against 6.74 sample-major).
    /// </summary>
    private readonly struct TransposedGradientPass<T>(T[] gy, int gyOffset, int n, int f, int oh, int ow, int th, int tw, T[] zt, int zRow, int ztBlock)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int p0, int p1)
        {
            int filterGroups = f / BlockRows, positions = th * tw, plane = 16 * positions * 8;
            var lanes = Workspace<T>.Get(WorkspaceSlot.PaddedGradient, BlockRows * plane);
            Elementwise.Zero(lanes.AsSpan(0, BlockRows * plane)); // cells past the plane's edge stay zero
            float* tmp = stackalloc float[36 * 64];
            fixed (T* gp = gy) fixed (T* zp = zt) fixed (T* lp = lanes)
                for (int item = p0; item < p1; item++)
                {
                    int f0 = item % filterGroups * BlockRows, s0 = item / filterGroups * 8;
                    if (s0 + 8 <= n)
                    {
                        for (int fi = 0; fi < BlockRows; fi++)
                            Interleave(gp + gyOffset, (long)f * oh * ow, (f0 + fi) * oh * ow, s0, oh, ow, 0, 0, 4 * th, 4 * tw, lp + fi * plane, 8);
                        for (int ty = 0; ty < th; ty++)
                            for (int tx = 0; tx < tw; tx++)
                            {
                                for (int fi = 0; fi < BlockRows; fi++)
                                    TransformGradientTiles((float*)lp + fi * plane + (4 * ty * 4 * tw + 4 * tx) * 8, 4 * tw * 8, tmp + fi * 8, 64);
                                float* to = (float*)zp + (long)Tile(s0, ty * tw + tx, n, positions, 8) * zRow + f0;
                                for (int xi = 0; xi < 36; xi++) Simd.Transpose8x8(tmp + xi * 64, 8, to + (long)xi * ztBlock, zRow);
                            }
                    }
                    else
                        for (int fi = 0; fi < BlockRows; fi++)
                            for (int sample = s0; sample < n; sample++)
                                for (int ty = 0; ty < th; ty++)
                                    for (int tx = 0; tx < tw; tx++)
                                        TransformGradientTile(gp + gyOffset + (sample * f + f0 + fi) * oh * ow, oh, ow, 4 * ty, 4 * tx,
                                            zp + (long)Tile(sample, ty * tw + tx, n, positions, 8) * zRow + f0 + fi, ztBlock);
                }
        }
    }

    /// <summary>
    /// Items are positions: P[ξ] (+)= V[ξ] Zᵀ[ξ], [c x tiles] by [tiles x f], in blocks of 128 tiles (a B panel's block,
    /// 128 x 48 values, stays in L1 across the row tiles of V), a micro-kernel call per (block, column panel, row tile).
    /// </summary>
    private readonly struct GradientProductPass<T>(T[] v, int vBlock, int tiles, T[] zt, int zRow, int ztBlock, int c, int f, T[] p, bool accumulate)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        private const int TileBlock = 128;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int x0, int x1)
        {
            int nr = Avx512MicroKernel<T>.NR;
            fixed (T* vp = v) fixed (T* zp = zt) fixed (T* pp = p)
                for (int xi = x0; xi < x1; xi++)
                {
                    T* vx = vp + (long)xi * vBlock, zx = zp + (long)xi * ztBlock, px = pp + (long)xi * c * f;
                    for (int k0 = 0; k0 < tiles; k0 += TileBlock)
                    {
                        int kc = Math.Min(TileBlock, tiles - k0);
                        bool add = accumulate || k0 > 0;
                        for (int j0 = 0; j0 < f; j0 += nr)
                            for (int r = 0; r < c / BlockRows; r++)
                                // Zᵀ's vectors past the last filter read the row's padding; the masked store drops them.
                                Avx512MicroKernel<T>.RunStrided(kc, vx + (long)r * BlockRows * tiles + k0, tiles, 1, zx + (long)k0 * zRow + j0, zRow,
                                    px + (long)r * BlockRows * f + j0, f, add, Math.Min(nr, f - j0));
                    }
                }
        }
    }
}
