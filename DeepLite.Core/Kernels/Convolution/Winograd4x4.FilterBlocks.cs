using System.Numerics;
using System.Runtime.CompilerServices;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

// F(4x4, 3x3) for passes of few tiles, the weights' side a block of filters at a time.
internal static unsafe partial class Winograd4x4
{
    /// <summary>
    /// The most tiles a batch may have to run by filter blocks: one panel of the AVX-512 micro-kernel's columns (48 floats),
    /// three of the AVX2 one's. A layer with one 4x4 tile per sample (HW1's 4x4 and 3x3 layers) has 32 at batch 32.
    /// </summary>
    private const int FilterBlockTiles = 48;

    /// <summary>
    /// The most filters in a block: the AVX-512 micro-kernel's rows (the AVX2 one's are 6), so a block is one call per
    /// position and column panel. The in-place products (Winograd4x4.Products.cs) use the same row tiles.
    /// </summary>
    private const int BlockRows = 8;

    /// <summary>
    /// Whether a batch of <paramref name="n"/> samples of <paramref name="tilesPerSample"/> tiles runs by filter blocks: in one
    /// pass of at most 48 tiles. With few tiles the weights' side is the larger: U and P hold 36 values per (filter,
    /// channel) pair, against 36 x tiles per channel for the data, so written whole (17.7 MB for 256 -> 480 channels)
    /// and read back they cost more than the 36 products (at batch 32, the transform of U and the assembly of dW from P
    /// were 42 % of a 256 -> 480 layer's forward and weight gradient, the GEMMs 29 %). By blocks of 8 filters, U or P is
    /// made in a per-thread buffer (36 x 8 x C values: 295 KB for 256 channels), multiplied and used while it is in L2,
    /// and never written whole. A batch of several passes keeps the whole-matrix path: there U is made once and P summed
    /// over the passes, where blocks would redo both per pass (256 -> 480 at batch 256 was slower so). The products call
    /// the GEMM's micro-kernel directly (AVX-512, or AVX2 in blocks of 6 filters), with V read where it lies (a pass's tiles
    /// are one to three panels, its rows contiguous), so the path needs one of those kernels. On AVX2 (a 2-core Zen 3, 256 ->
    /// 480 at batch 32) the assembly of dW from the whole P had been 29 % of the layer's step and U's transform 14 %.
    /// </summary>
    internal static bool UsesFilterBlocks<T>(int n, int tilesPerSample) where T : unmanaged, IFloatingPointIeee754<T> =>
        (Avx512MicroKernel<T>.IsSupported || Avx2MicroKernel<T>.IsSupported) && n <= SamplesPerPass && (long)n * tilesPerSample <= FilterBlockTiles;

    /// <summary>Set by the tests, on the calling thread, to run the filter blocks with the AVX2 kernel where AVX-512 is there.</summary>
    [ThreadStatic] internal static bool FilterBlocksOnAvx2;

    private static bool FilterBlocksOnAvx512<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Avx512MicroKernel<T>.IsSupported && !FilterBlocksOnAvx2;

    /// <summary>
    /// The convolution of x [n, c, h, w] with the 3x3 weights (rotated and transposed in (F, C) with <paramref name="flip"/>;
    /// <paramref name="weightsC"/> is their second dimension) into y [n, f, oh, ow], by filter blocks: the whole-matrix
    /// path's <c>Convolve</c> with U made per block.
    /// </summary>
    private static void ConvolveByFilterBlocks<T>(T[] x, int xOffset, int n, int c, int h, int w, T[] weights, int weightsC, bool flip, int f,
        int padTop, int padLeft, int oh, int ow, T[]? bias, bool relu, T[] y, int yOffset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n * th * tw;
        int vBlock = c * tiles + Skew;
        var v = Workspace<T>.Get(WorkspaceSlot.Im2Col, 36 * vBlock);
        TransformInputs(x, xOffset, n, c, h, w, padTop, padLeft, th, tw, v, tiles, vBlock);
        if (FilterBlocksOnAvx512<T>()) Run<Avx512MicroKernel<T>>();
        else Run<Avx2MicroKernel<T>>();

        void Run<TKernel>() where TKernel : IGemmMicroKernel<T> =>
            WorkerPool.For((f + TKernel.MR - 1) / TKernel.MR,
                new FilterBlockPass<T, TKernel>(v, vBlock, n, c, weights, weightsC, flip, f, th, tw, oh, ow, bias, relu, y, yOffset));
    }

    /// <summary>
    /// Items are blocks of MR filters (8 on AVX-512, 6 on AVX2): U for the block (<see cref="TransformWeights{T}(T[], int, bool, T[], int, int, int, int, int)"/>
    /// into this thread's buffer), M = U V per position (one micro-kernel call per column panel: [MR x c] by [c x tiles], V
    /// read in place, its rows contiguous), then Y = Aᵀ M A for the block's filters.
    /// </summary>
    private readonly struct FilterBlockPass<T, TKernel>(T[] v, int vBlock, int n, int c, T[] weights, int weightsC, bool flip, int f,
        int th, int tw, int oh, int ow, T[]? bias, bool relu, T[] y, int yOffset) : WorkerPool.IRange
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int b0, int b1)
        {
            int tiles = n * th * tw, width = Vector<T>.Count, nr = TKernel.NR, blockRows = TKernel.MR;
            int uBlock = blockRows * c + Skew, mBlock = blockRows * tiles + Skew;
            // Rows of the block past the last filter hold stale values: the kernel multiplies them and nothing reads the result.
            var u = Workspace<T>.Get(WorkspaceSlot.WinogradFilterBlock, 36 * uBlock);
            var m = Workspace<T>.Get(WorkspaceSlot.WinogradBlockProducts, 36 * mBlock);
            fixed (T* up = u) fixed (T* vp = v) fixed (T* mp = m) fixed (T* y0 = y)
                for (int block = b0; block < b1; block++)
                {
                    int o0 = block * blockRows, rows = Math.Min(blockRows, f - o0);
                    TransformWeights(weights, weightsC, flip, u, c, uBlock, o0, o0 + rows, oBase: o0);
                    for (int xi = 0; xi < 36; xi++)
                        for (int j0 = 0; j0 < tiles; j0 += nr)
                            // B's vectors past the last tile read into the next row, or the Skew after the last: the masked store drops them.
                            TKernel.RunStrided(c, up + xi * uBlock, c, 1, vp + (long)xi * vBlock + j0, tiles, mp + xi * mBlock + j0, tiles, false, Math.Min(nr, tiles - j0));
                    for (int r = 0; r < rows; r++)
                        for (int s0 = 0; s0 < n; s0 += width)
                            TransformOutputs(mp + r * tiles, mBlock, s0, n, f, th, tw, oh, ow, bias is null ? T.Zero : bias[o0 + r], relu, y0 + yOffset + (o0 + r) * oh * ow);
                }
        }
    }

    /// <summary>
    /// dW = Gᵀ [Σ_tiles Z Vᵀ] G by filter blocks: the transformed input V
    /// and dY Z as in the whole-matrix path, Vᵀ laid out per position (the products' B, read in place), then per block
    /// of 8 filters P = Z Vᵀ for the 36 positions in this thread's buffer and dW's rows for the block assembled from it.
    /// </summary>
    private static void WeightGradientByFilterBlocks<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = g.N, th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, tiles = n * th * tw;
        int vBlock = g.C * tiles + Skew, zBlock = g.F * tiles + Skew, vtBlock = tiles * g.C + Skew;
        var v = Workspace<T>.Get(WorkspaceSlot.Im2Col, 36 * vBlock);
        // Room past the last position for a last block's rows beyond F, which the kernel reads as A (their products are not used).
        var z = Workspace<T>.Get(WorkspaceSlot.GradientColumns, 36 * zBlock + BlockRows * tiles);
        var vt = Workspace<T>.Get(WorkspaceSlot.Matrix, 36 * vtBlock);
        TransformInputs(x, xOffset, n, g.C, g.H, g.W, g.PadTop, g.PadLeft, th, tw, v, tiles, vBlock);
        WorkerPool.For(g.F * ((n + Vector<T>.Count - 1) / Vector<T>.Count), new GradientPass<T>(gy, gyOffset, n, g.F, g.OH, g.OW, th, tw, z, zBlock));
        WorkerPool.For(36, new TransposePass<T>(v, vBlock, g.C, tiles, vt, vtBlock));
        if (FilterBlocksOnAvx512<T>()) Run<Avx512MicroKernel<T>>();
        else Run<Avx2MicroKernel<T>>();

        void Run<TKernel>() where TKernel : IGemmMicroKernel<T> =>
            WorkerPool.For((g.F + TKernel.MR - 1) / TKernel.MR, new FilterBlockGradientPass<T, TKernel>(z, zBlock, vt, vtBlock, g.F, g.C, tiles, gw));
    }

    /// <summary>Vᵀ[ξ][tile][ch] = V[ξ][ch][tile] for positions p0..p1 - 1.</summary>
    private readonly struct TransposePass<T>(T[] v, int vBlock, int c, int tiles, T[] vt, int vtBlock) : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int p0, int p1)
        {
            fixed (T* vp = v) fixed (T* tp = vt)
                for (int xi = p0; xi < p1; xi++)
                {
                    T* src = vp + (long)xi * vBlock, dst = tp + (long)xi * vtBlock;
                    int c8 = 0, t8 = tiles / 8 * 8;
                    if (typeof(T) == typeof(float) && System.Runtime.Intrinsics.X86.Avx.IsSupported)
                        for (c8 = 0; c8 + 8 <= c; c8 += 8)
                            for (int t = 0; t < t8; t += 8)
                                Simd.Transpose8x8((float*)(src + (long)c8 * tiles + t), tiles, (float*)(dst + (long)t * c + c8), c);
                    // The rest: channels past the last eight, and tiles past the last eight of the channels above.
                    for (int ch = 0; ch < c; ch++)
                        for (int t = ch < c8 ? t8 : 0; t < tiles; t++) dst[(long)t * c + ch] = src[(long)ch * tiles + t];
                }
        }
    }

    /// <summary>
    /// Items are blocks of MR filters: P[ξ][f - f0][ch] = Σ_tiles Z[ξ][f][tile] Vᵀ[ξ][tile][ch] (one micro-kernel call per
    /// position and column panel: [MR x tiles] by [tiles x c], Z and Vᵀ read in place), then dW[f, ch] = Gᵀ P G.
    /// </summary>
    private readonly struct FilterBlockGradientPass<T, TKernel>(T[] z, int zBlock, T[] vt, int vtBlock, int f, int c, int tiles, T[] gw)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T> where TKernel : IGemmMicroKernel<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int b0, int b1)
        {
            int width = Vector<T>.Count, nr = TKernel.NR, blockRows = TKernel.MR, pBlock = blockRows * c + Skew;
            var p = Workspace<T>.Get(WorkspaceSlot.WinogradFilterBlock, 36 * pBlock);
            var w = stackalloc Vector<T>[9];
            fixed (T* zp = z) fixed (T* tp = vt) fixed (T* pp = p)
                for (int block = b0; block < b1; block++)
                {
                    int f0 = block * blockRows, rows = Math.Min(blockRows, f - f0);
                    for (int xi = 0; xi < 36; xi++)
                        for (int j0 = 0; j0 < c; j0 += nr)
                            // Vᵀ's vectors past the last channel read into the next row, or the Skew after the last: the masked store drops them.
                            TKernel.RunStrided(tiles, zp + (long)xi * zBlock + f0 * tiles, tiles, 1, tp + (long)xi * vtBlock + j0, c, pp + xi * pBlock + j0, c, false, Math.Min(nr, c - j0));
                    for (int r = 0; r < rows; r++)
                    {
                        int at = (f0 + r) * c, ch = 0;
                        for (; ch + width <= c; ch += width)
                        {
                            GtPG(pp + r * c + ch, pBlock, w);
                            Scatter(w, gw, (at + ch) * 9, 9);
                        }
                        for (; ch < c; ch++) AssembleOne(pp + r * c + ch, pBlock, at + ch, gw);
                    }
                }
        }
    }
}
