using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

// F(4x4, 3x3)'s 36 products as direct AVX-512 micro-kernel calls on the transformed matrices where the transforms wrote
// them, in one parallel pass: the GEMM would pack B on every thread that multiplies it, 36 calls a pass.
internal static unsafe partial class Winograd4x4
{
    /// <summary>Whether the products of a pass with <paramref name="f"/> output channels run as <see cref="ProductPass{T}"/>.</summary>
    internal static bool MultipliesInPlace<T>(int f) where T : unmanaged, IFloatingPointIeee754<T> => Avx512MicroKernel<T>.IsSupported && f % BlockRows == 0;

    /// <summary>
    /// V's row stride for a pass of <paramref name="tiles"/> tiles: whole vectors (the kernel reads B a vector at a time), and,
    /// where the products read V in place, a vector more, so that a B panel's rows (2 KB apart for 512 tiles) do not share
    /// the few L1 sets a power-of-two stride maps them to.
    /// </summary>
    private static int RowStride<T>(int f, int tiles) where T : unmanaged, IFloatingPointIeee754<T> =>
        MultipliesInPlace<T>(f) ? (tiles + 15) / 16 * 16 + 16 : tiles;

    /// <summary>
    /// Items are (slab of filters, position), slab-major, so a thread's slab is the filters whose M rows it writes and
    /// then transforms (the output pass splits by filter the same way) and V is read once per slab and position: for each
    /// column panel of V (read in place, the products' B, which the GEMM had packed on every thread), the slab's row tiles
    /// of U (read in place) one micro-kernel call each, over all of c. The 36 products are one parallel pass, not 36.
    /// </summary>
    private readonly struct ProductPass<T>(int f, int c, int tiles, T[] u, T[] v, int vRow, int vBlock, T[] m, int mBlock, int slabs)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int i0, int i1)
        {
            int nr = Avx512MicroKernel<T>.NR, rowTiles = f / BlockRows;
            fixed (T* up = u) fixed (T* vp = v) fixed (T* mp = m)
                for (int item = i0; item < i1; item++)
                {
                    int slab = item / 36, xi = item % 36;
                    int r0 = slab * rowTiles / slabs, r1 = (slab + 1) * rowTiles / slabs;
                    T* ux = up + (long)xi * f * c, vx = vp + (long)xi * vBlock, mx = mp + (long)xi * mBlock;
                    for (int j0 = 0; j0 < tiles; j0 += nr)
                        for (int r = r0; r < r1; r++)
                            // B's vectors past the last tile read the row's padding; the masked store drops them.
                            Avx512MicroKernel<T>.RunStrided(c, ux + (long)r * BlockRows * c, c, 1, vx + j0, vRow, mx + (long)r * BlockRows * tiles + j0, tiles, false,
                                Math.Min(nr, tiles - j0));
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
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, tiles = n * th * tw, zRow = (g.F + 15) / 16 * 16 + 16;
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
