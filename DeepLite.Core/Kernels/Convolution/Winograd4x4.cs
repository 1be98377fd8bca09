using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's F(4x4, 3x3) (Lavin and Gray 2016): each 4x4 output tile comes
/// from a 6x6 input tile as Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A, 36 multiplies per tile and channel pair
/// where the direct form takes 144 (4x fewer; F(2x2, 3x3) saves 2.25x). The transformed data is also
/// smaller: 36 values per 16 outputs against 16 per 4, so the transforms, which bound F(2x2) on the wide
/// HW1 layers, move 1.8x less memory. With the points 0, ±1, ±2 and ∞ the float error is about 1e-6 of the
/// result's norm (im2col: 2.5e-7), 1e-5 to 3e-5 on single elements of unit-scale data. The sums over channels are 36
/// products ([F x C] by [C x tiles]) per chunk of samples (see <see cref="SamplesPerPass"/>): on AVX-512 direct
/// micro-kernel calls on the transformed matrices where they lie (Winograd4x4.Products.cs; a batch of few tiles makes
/// the weights' side by blocks of filters, Winograd4x4.FilterBlocks.cs), elsewhere a GEMM each;
/// the input gradient is the same convolution of dY with transposed, rotated weights, and the weight
/// gradient uses the same transforms (y is linear in w).
/// Tiles are numbered by groups of a vector's width of samples, then tile position, then sample (see
/// <see cref="Tile"/>): the transforms run a vector of samples at a time, each lane a sample at the same
/// tile position, and a group's vectors are contiguous in every transformed matrix (a plane has only 1 to
/// 16 tiles of 4x4, too few to vectorize along; numbering position-major put a group's stores 1 KB apart,
/// in a few cache sets, and made the transforms five times slower).
/// </summary>
[SkipLocalsInit] // the transforms' stack buffers are written before they are read
internal static unsafe partial class Winograd4x4
{
    /// <summary>Padding between the transformed matrices (a cache line), so their power-of-two distances do not alias in the cache.</summary>
    internal const int Skew = 16;

    /// <summary>3x3 kernels at stride 1 with padding that does not exceed the kernel (any input size).</summary>
    public static bool Supports(ConvGeometry g) =>
        g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.PadTop <= 2 && g.PadLeft <= 2
        && g.OH + 2 - g.H - g.PadTop <= 2 && g.OW + 2 - g.W - g.PadLeft <= 2;

    /// <summary>
    /// M[ξ] = U[ξ] V[ξ] for the 36 transform positions by a GEMM each: [f x c] by [c x tiles], U packed [36][f][c], V's rows
    /// <paramref name="vRow"/> apart and its position blocks <paramref name="vBlock"/>, M's blocks <paramref name="mBlock"/>.
    /// (Where <see cref="MultipliesInPlace{T}"/>, <see cref="ProductOutputPass{T}"/> does this and the output transform.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyPositions<T>(int f, int c, int tiles, T[] u, T[] v, int vRow, int vBlock, T[] m, int mBlock) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int xi = 0; xi < 36; xi++)
            GemmKernel.Multiply<T>(false, false, f, tiles, c, u.AsSpan(xi * f * c, f * c), c, v.AsSpan(xi * vBlock, (c - 1) * vRow + tiles), vRow,
                m.AsSpan(xi * mBlock, f * tiles), tiles);
    }

    /// <summary>y = conv(x, w) + b for the geometry <paramref name="g"/>; relu of it with <paramref name="relu"/>, applied as the output tiles are stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<T>(T[] x, int xOffset, T[] weights, T[]? bias, ConvGeometry g, T[] y, bool relu = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UsesFilterBlocks<T>(g.N, TilesPerSample(g.OH, g.OW)))
        {
            ConvolveByFilterBlocks(x, xOffset, g.N, g.C, g.H, g.W, weights, g.C, flip: false, g.F, g.PadTop, g.PadLeft, g.OH, g.OW, bias, relu, y, 0);
            return;
        }
        int chunk = Chunk(g);
        var u = Workspace<T>.Get(WorkspaceSlot.WinogradWeights, 36 * g.F * g.C);
        TransformWeights<T>(weights, g.F, g.C, flip: false, u);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
            Convolve(x, xOffset + n0 * g.C * g.H * g.W, Math.Min(chunk, g.N - n0), g.C, g.H, g.W, u, g.F, g.PadTop, g.PadLeft, g.OH, g.OW, bias, relu, y, n0 * g.F * g.OutputPixels);
    }

    /// <summary>
    /// dX for dY = <paramref name="gy"/>: dX[c, h, w] = Σ_f Σ_ij dY[f, h + top - i, w + left - j] W[f, c, i, j], the
    /// stride-1 correlation of dY with W transposed in (F, C) and rotated by 180 degrees, padded by 2 - top and
    /// 2 - left, giving H x W: the same routine as the forward pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<T>(T[] gy, int gyOffset, T[] weights, ConvGeometry g, T[] gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UsesFilterBlocks<T>(g.N, TilesPerSample(g.H, g.W)))
        {
            ConvolveByFilterBlocks(gy, gyOffset, g.N, g.F, g.OH, g.OW, weights, g.C, flip: true, g.C, 2 - g.PadTop, 2 - g.PadLeft, g.H, g.W, null, false, gx, 0);
            return;
        }
        int chunk = Chunk(g);
        var u = Workspace<T>.Get(WorkspaceSlot.WinogradWeights, 36 * g.F * g.C);
        TransformWeights<T>(weights, g.F, g.C, flip: true, u);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
            Convolve(gy, gyOffset + n0 * g.F * g.OutputPixels, Math.Min(chunk, g.N - n0), g.F, g.OH, g.OW, u, g.C, 2 - g.PadTop, 2 - g.PadLeft, g.H, g.W, null, false, gx, n0 * g.C * g.H * g.W);
    }

    /// <summary>
    /// dW = Gᵀ [Σ_tiles (A dY Aᵀ)_f ⊙ (Bᵀ d B)_c] G: 36 GEMMs per chunk of samples, accumulated over the
    /// chunks in order, oriented so that the wider of F and C fills the GEMM's column tiles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UsesFilterBlocks<T>(g.N, TilesPerSample(g.OH, g.OW)))
        {
            WeightGradientByFilterBlocks(x, xOffset, gy, gyOffset, g, gw);
            return;
        }
        int chunk = Chunk(g);
        var p = Workspace<T>.Get(WorkspaceSlot.WinogradWeights, 36 * g.F * g.C);
        bool transposed = MultipliesGradientInPlace<T>(g) || ColumnTileUse(g.F) > ColumnTileUse(g.C);
        for (int n0 = 0; n0 < g.N; n0 += chunk)
            AddProducts(x, xOffset + n0 * g.C * g.H * g.W, gy, gyOffset + n0 * g.F * g.OutputPixels, Math.Min(chunk, g.N - n0), g, transposed, p, accumulate: n0 > 0);

        // Gᵀ P G for each (f, c), a vector of pairs at a time along P's rows (P[ξ][f][c], or P[ξ][c][f] when
        // transposed), reading the 36 blocks in step; one pair at a time made this assembly a large part of a wide
        // layer's step at small batches.
        int width = Vector<T>.Count, rows = transposed ? g.C : g.F, cols = transposed ? g.F : g.C;
        if (transposed) WorkerPool.For((cols + width - 1) / width, (v0, v1) => AssembleColumns(p, g, v0, v1, gw));
        else WorkerPool.For(rows, (r0, r1) => AssembleRows(p, g, r0, r1, gw));
    }

    /// <summary>
    /// P[ξ] (+)= Σ_tiles Z[ξ] V[ξ]ᵀ over <paramref name="n"/> samples (x and dY at the given offsets): the
    /// transformed dY and input of a chunk of samples, then the 36 products, accumulated over chunks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddProducts<T>(T[] x, int xOffset, T[] gy, int gyOffset, int n, ConvGeometry g, bool transposed, T[] p, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int th = (g.OH + 3) / 4, tw = (g.OW + 3) / 4, tiles = n * th * tw;
        if (MultipliesGradientInPlace<T>(g))
        {
            AddProductsInPlace(x, xOffset, gy, gyOffset, n, g, p, accumulate);
            return;
        }
        int vBlock = g.C * tiles + Skew, zBlock = g.F * tiles + Skew;
        var v = Workspace<T>.Get(WorkspaceSlot.Im2Col, 36 * vBlock);
        var z = Workspace<T>.Get(WorkspaceSlot.GradientColumns, 36 * zBlock);
        TransformInputs(x, xOffset, n, g.C, g.H, g.W, g.PadTop, g.PadLeft, th, tw, v, tiles, vBlock);

        // Z[ξ][f][tile] = (A dY Aᵀ)[ξ], a vector of samples at a time; dY is zero past the plane's edge.
        WorkerPool.For(g.F * ((n + Vector<T>.Count - 1) / Vector<T>.Count), new GradientPass<T>(gy, gyOffset, n, g.F, g.OH, g.OW, th, tw, z, zBlock));

        for (int xi = 0; xi < 36; xi++)
        {
            var zx = z.AsSpan(xi * zBlock, g.F * tiles); var vx = v.AsSpan(xi * vBlock, g.C * tiles); var px = p.AsSpan(xi * g.F * g.C, g.F * g.C);
            if (transposed) GemmKernel.Multiply<T>(false, true, g.C, g.F, tiles, vx, tiles, zx, tiles, px, g.F, accumulate);
            else GemmKernel.Multiply<T>(false, true, g.F, g.C, tiles, zx, tiles, vx, tiles, px, g.C, accumulate);
        }
    }

    /// <summary>
    /// Samples per pass: each product runs over the batch in chunks of 32 samples, so the transformed
    /// tiles of a chunk (3.4-14 MB on the HW1 layers) are still in cache when the GEMMs and the output
    /// transform read them, where the whole batch's (up to 110 MB at batch 256) went through memory. The
    /// measurements that chose 32 are in benchmarks/README.md.
    /// </summary>
    private const int SamplesPerPass = 32;

    private static int Chunk(ConvGeometry g) => Math.Min(SamplesPerPass, Math.Max(1, g.N));

    /// <summary>The 4x4 tiles that cover an oh x ow output plane.</summary>
    private static int TilesPerSample(int oh, int ow) => ((oh + 3) / 4) * ((ow + 3) / 4);

    /// <summary>
    /// The column of (sample, tile position) in the transformed matrices: groups of <paramref name="width"/>
    /// samples (the last one may be narrower), within a group by position, then by sample.
    /// </summary>
    private static int Tile(int sample, int position, int n, int positions, int width)
    {
        int group = sample / width, full = n / width;
        int groupWidth = group < full ? width : n - full * width;
        return group * width * positions + position * groupWidth + sample % width;
    }

    private static double ColumnTileUse(int n) => n / (48.0 * ((n + 47) / 48));

    /// <summary>U[ξ][o][i] = (G k Gᵀ)[ξ]; with <paramref name="flip"/>, the kernel for (o, i) is W[i, o] rotated by 180 degrees.</summary>
    private static void TransformWeights<T>(T[] w, int f, int c, bool flip, T[] u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outputs = flip ? c : f, inputs = flip ? f : c, stride = outputs * inputs;
        WorkerPool.For(outputs, (o0, o1) => TransformWeights(w, c, flip, u, inputs, stride, o0, o1, oBase: 0));
    }

    /// <summary>
    /// U[ξ][o - <paramref name="oBase"/>][i] for outputs o0..o1 - 1 (position stride <paramref name="stride"/>): the whole U
    /// (oBase 0), or a block of outputs into a buffer of its own (<see cref="FilterBlockPass{T, TKernel}"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformWeights<T>(T[] w, int c, bool flip, T[] u, int inputs, int stride, int o0, int o1, int oBase) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> k = stackalloc T[9];
        Span<T> t = stackalloc T[18];
        int width = Vector<T>.Count, vectorEnd = Vector.IsHardwareAccelerated ? inputs / width * width : 0;
        var lanes = stackalloc T[9 * width];
        var tv = stackalloc Vector<T>[18];
        // Eight float lanes take their kernels' first eight values by one 8x8 register transpose (lane l's kernel starts
        // l * laneStride values on) and the ninth by a gather, where copying them one at a time had been half of the
        // transform's time. lanes holds each lane's values in the kernel's order; k(e) is value e of the rotated one.
        long laneStride = flip ? (long)c * 9 : 9; // the gather's offsets are 32-bit
        bool transposes = typeof(T) == typeof(float) && width == 8 && Avx2.IsSupported && laneStride * 7 <= int.MaxValue;
        var laneOffsets = transposes ? Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * (int)laneStride : default;
        int k0 = flip ? 8 : 0, k1 = flip ? 5 : 3, k2 = flip ? 2 : 6, step = flip ? -1 : 1; // k(col), k(3 + col), k(6 + col) at col 0
        for (int o = o0; o < o1; o++)
        {
            // A vector of input channels at a time (a lane each), stored as contiguous vectors of U: one
            // kernel at a time would take 36 scattered stores each.
            for (int i0 = 0; i0 < vectorEnd; i0 += width)
            {
                if (transposes)
                    fixed (T* wp = w)
                    {
                        float* first = (float*)wp + (flip ? ((long)i0 * c + o) * 9 : ((long)o * c + i0) * 9);
                        Simd.Transpose8x8(first, (int)laneStride, (float*)lanes, 8);
                        Avx.Store((float*)lanes + 64, Avx2.GatherVector256(first + 8, laneOffsets, 4));
                    }
                else
                    for (int lane = 0; lane < width; lane++)
                    {
                        var src = flip ? w.AsSpan(((i0 + lane) * c + o) * 9, 9) : w.AsSpan((o * c + i0 + lane) * 9, 9);
                        for (int e = 0; e < 9; e++) lanes[e * width + lane] = src[e];
                    }
                for (int col = 0; col < 3; col++)
                    GTimes(Load(lanes + (k0 + step * col) * width), Load(lanes + (k1 + step * col) * width), Load(lanes + (k2 + step * col) * width),
                        out tv[col], out tv[3 + col], out tv[6 + col], out tv[9 + col], out tv[12 + col], out tv[15 + col]);
                fixed (T* up = u)
                {
                    T* at = up + (o - oBase) * inputs + i0;
                    for (int row = 0; row < 6; row++)
                    {
                        GTimes(tv[row * 3], tv[row * 3 + 1], tv[row * 3 + 2], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5);
                        T* r = at + (long)row * 6 * stride;
                        Store(u0, r); Store(u1, r + stride); Store(u2, r + 2L * stride); Store(u3, r + 3L * stride); Store(u4, r + 4L * stride); Store(u5, r + 5L * stride);
                    }
                }
            }
            for (int i = vectorEnd; i < inputs; i++)
            {
                var src = flip ? w.AsSpan((i * c + o) * 9, 9) : w.AsSpan((o * c + i) * 9, 9);
                for (int e = 0; e < 9; e++) k[e] = flip ? src[8 - e] : src[e];
                // t = G k (6x3), column by column; then U = t Gᵀ, row by row.
                for (int col = 0; col < 3; col++)
                    GTimes(k[col], k[3 + col], k[6 + col], out t[col], out t[3 + col], out t[6 + col], out t[9 + col], out t[12 + col], out t[15 + col]);
                int at = (o - oBase) * inputs + i;
                for (int row = 0; row < 6; row++)
                {
                    GTimes(t[row * 3], t[row * 3 + 1], t[row * 3 + 2], out var u0, out var u1, out var u2, out var u3, out var u4, out var u5);
                    u[(row * 6) * stride + at] = u0; u[(row * 6 + 1) * stride + at] = u1; u[(row * 6 + 2) * stride + at] = u2;
                    u[(row * 6 + 3) * stride + at] = u3; u[(row * 6 + 4) * stride + at] = u4; u[(row * 6 + 5) * stride + at] = u5;
                }
            }
        }
    }

    /// <summary>The convolution of x [n, c, h, w] with transformed weights u [36][f][c] into y [n, f, oh, ow] (plus the bias, then relu with <paramref name="relu"/>).</summary>
    private static void Convolve<T>(T[] x, int xOffset, int n, int c, int h, int w, T[] u, int f, int padTop, int padLeft, int oh, int ow, T[]? bias, bool relu, T[] y, int yOffset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int th = (oh + 3) / 4, tw = (ow + 3) / 4, tiles = n * th * tw, vRow = RowStride<T>(f, tiles);
        int vBlock = c * vRow + Skew, mBlock = f * tiles + Skew;
        var v = Workspace<T>.Get(WorkspaceSlot.Im2Col, 36 * vBlock);
        TransformInputs(x, xOffset, n, c, h, w, padTop, padLeft, th, tw, v, vRow, vBlock);
        if (MultipliesInPlace<T>(f))
        {
            MultiplyAndTransformOutputs(n, f, c, th, tw, oh, ow, u, v, vRow, vBlock, bias, relu, y, yOffset);
            return;
        }
        var m = Workspace<T>.Get(WorkspaceSlot.Matrix, 36 * mBlock);
        MultiplyPositions(f, c, tiles, u, v, vRow, vBlock, m, mBlock);

        // Y = Aᵀ M A per tile, cropped to oh x ow, plus the bias; a vector of samples at a time.
        WorkerPool.For(f * ((n + Vector<T>.Count - 1) / Vector<T>.Count), new OutputPass<T>(m, mBlock, n, f, th, tw, oh, ow, bias, relu, y, yOffset));
    }

    /// <summary>V[ξ][ch][tile] = (Bᵀ d B)[ξ] for the 6x6 tiles (four apart) of every input plane, a vector of samples at a time; V's rows <paramref name="vRow"/> apart.</summary>
    private static void TransformInputs<T>(T[] x, int xOffset, int n, int c, int h, int w, int padTop, int padLeft, int th, int tw, T[] v, int vRow, int vBlock)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        WorkerPool.For(c * ((n + Vector<T>.Count - 1) / Vector<T>.Count), new InputPass<T>(x, xOffset, n, c, h, w, padTop, padLeft, th, tw, v, vRow, vBlock));

    /// <summary>
    /// Copies planes s0.. s0 + lanes - 1 (sample stride <paramref name="sampleStride"/>, plane at <paramref name="planeOffset"/>)
    /// of size h x w into a ph x pw buffer, lane-interleaved: element (r, c) of lane l at (r * pw + c) * lanes + l.
    /// Only the plane's own cells are written: the caller zeroes the padding once, not the whole buffer per group.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Interleave<T>(T* x, long sampleStride, int planeOffset, int s0, int h, int w, int padTop, int padLeft, int ph, int pw, T* dst, int lanes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int first = Math.Max(0, -padLeft), last = Math.Min(w, pw - padLeft);
        // Eight float lanes: 8x8 register transposes, so the transforms' vector loads read what vector
        // stores wrote (loading vectors that scalar stores had just written stalled on every load, and
        // made this copy cost as much as the transform itself).
        bool transposes = typeof(T) == typeof(float) && lanes == 8 && Avx.IsSupported;
        int vectorEnd = transposes ? first + (last - first) / 8 * 8 : first;
        int quarterEnd = transposes && last - vectorEnd >= 4 ? vectorEnd + 4 : vectorEnd; // then four columns (4x4 planes)
        for (int row = 0; row < h; row++)
        {
            int pr = row + padTop;
            if (pr < 0 || pr >= ph) continue;
            T* src = x + s0 * sampleStride + planeOffset + row * w;
            T* to = dst + ((long)pr * pw + padLeft) * lanes;
            for (int col = first; col < vectorEnd; col += 8)
                Simd.Transpose8x8((float*)(src + col), (int)sampleStride, (float*)(to + col * lanes), 8);
            if (quarterEnd > vectorEnd) Transpose8x4((float*)(src + vectorEnd), sampleStride, (float*)(to + vectorEnd * lanes));
            for (int lane = 0; lane < lanes; lane++)
                for (int col = quarterEnd; col < last; col++) to[col * lanes + lane] = src[lane * sampleStride + col];
        }
    }

    /// <summary>
    /// Four columns of eight rows (row r at src + r * stride) into four vectors of eight, one per column,
    /// at dst: rows r and r + 4 share a 256-bit register, then a 4x4 transpose runs in each half.
    /// </summary>
    private static void Transpose8x4(float* src, long stride, float* dst)
    {
        var r0 = Vector256.Create(Vector128.Load(src), Vector128.Load(src + 4 * stride));
        var r1 = Vector256.Create(Vector128.Load(src + stride), Vector128.Load(src + 5 * stride));
        var r2 = Vector256.Create(Vector128.Load(src + 2 * stride), Vector128.Load(src + 6 * stride));
        var r3 = Vector256.Create(Vector128.Load(src + 3 * stride), Vector128.Load(src + 7 * stride));
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Shuffle(t0, t2, 0x44));
        Avx.Store(dst + 8, Avx.Shuffle(t0, t2, 0xEE));
        Avx.Store(dst + 16, Avx.Shuffle(t1, t3, 0x44));
        Avx.Store(dst + 24, Avx.Shuffle(t1, t3, 0xEE));
    }
}
