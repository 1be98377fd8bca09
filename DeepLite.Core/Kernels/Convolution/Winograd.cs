using DeepLite.Kernels.Gemm;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray 2016): each 2x2
/// output tile comes from a 4x4 input tile as Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A, which takes 16 multiplies
/// per tile and channel pair where the direct form takes 36. The sums over channels are 16 GEMMs
/// ([F x C] by [C x tiles], one per position of the 4x4 transform) over the whole batch. The forward pass of
/// <see cref="ConvKernel.Winograd"/>, with float error near 1e-6 relative; <see cref="Winograd4x4"/> saves
/// more multiplies and memory and is what Auto picks, for the gradients as well.
/// </summary>
internal static class Winograd
{
    /// <summary>Padding between the transformed matrices (a cache line), so their power-of-two distances do not alias in the cache (also F(4x4)'s).</summary>
    internal const int Skew = 16;

    /// <summary>3x3 kernels at stride 1 with padding that does not exceed the kernel (any input size).</summary>
    public static bool Supports(ConvGeometry g) =>
        g.KH == 3 && g.KW == 3 && g.SH == 1 && g.SW == 1 && g.PadTop <= 2 && g.PadLeft <= 2
        && g.OH + 2 - g.H - g.PadTop <= 2 && g.OW + 2 - g.W - g.PadLeft <= 2;

    /// <summary>y = conv(x, w) + b for the geometry <paramref name="g"/>.</summary>
    public static void Forward<T>(T[] x, int xOffset, T[] weights, T[]? bias, ConvGeometry g, T[] y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u = Workspace<T>.Get(Workspace<T>.WinogradWeightsSlot, 16 * g.F * g.C);
        TransformWeights<T>(weights, g.F, g.C, u);
        Convolve(x, xOffset, g.N, g.C, g.H, g.W, u, g.F, g.PadTop, g.PadLeft, g.OH, g.OW, bias, y);
    }

    /// <summary>U[ξ][o][i] = (G k Gᵀ)[ξ] for each output channel o and input channel i.</summary>
    private static void TransformWeights<T>(ReadOnlySpan<T> w, int f, int c, Span<T> u) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outputs = f, inputs = c;
        T half = T.CreateChecked(0.5);
        Span<T> k = stackalloc T[9];
        Span<T> t = stackalloc T[12];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
            {
                w.Slice((o * c + i) * 9, 9).CopyTo(k);
                // t = G k (4x3), G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]]
                for (int col = 0; col < 3; col++)
                {
                    T k0 = k[col], k1 = k[3 + col], k2 = k[6 + col];
                    t[col] = k0;
                    t[3 + col] = half * (k0 + k1 + k2);
                    t[6 + col] = half * (k0 - k1 + k2);
                    t[9 + col] = k2;
                }
                // U = t Gᵀ (4x4)
                for (int row = 0; row < 4; row++)
                {
                    T t0 = t[row * 3], t1 = t[row * 3 + 1], t2 = t[row * 3 + 2];
                    int at = o * inputs + i, stride = outputs * inputs;
                    u[(row * 4 + 0) * stride + at] = t0;
                    u[(row * 4 + 1) * stride + at] = half * (t0 + t1 + t2);
                    u[(row * 4 + 2) * stride + at] = half * (t0 - t1 + t2);
                    u[(row * 4 + 3) * stride + at] = t2;
                }
            }
    }

    /// <summary>The convolution of x [n, c, h, w] with transformed weights u [16][f][c] into y [n, f, oh, ow].</summary>
    private static void Convolve<T>(T[] x, int xOffset, int n, int c, int h, int w, T[] u, int f, int padTop, int padLeft, int oh, int ow, T[]? bias, T[] y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = n * th * tw;
        // The 16 matrices of V (and of M) are written (read) together, one element each per tile: with a
        // power-of-two distance between them they would all map to the same cache set and evict each
        // other, so each block is padded by a cache line.
        int vBlock = c * tiles + Skew, mBlock = f * tiles + Skew;
        var v = Workspace<T>.Get(Workspace<T>.Im2ColSlot, 16 * vBlock);
        var m = Workspace<T>.Get(Workspace<T>.MatrixSlot, 16 * mBlock);

        TransformInputs(x, xOffset, n, c, h, w, padTop, padLeft, th, tw, v, vBlock);
        MultiplyPositions(16, f, c, tiles, u, v, vBlock, m, mBlock);

        // Y = Aᵀ M A per tile, cropped to oh x ow, plus the bias.
        WorkerPool.For(n * f, (p0, p1) =>
        {
            for (int plane = p0; plane < p1; plane++)
            {
                // Filter-major order: consecutive planes read consecutive tiles of each M block.
                int filter = plane / n, sample = plane % n;
                T b = bias is null ? T.Zero : bias[filter];
                TransformOutput<T>(m.AsSpan(), filter * tiles + sample * th * tw, mBlock, th, tw, oh, ow, b, y.AsSpan((sample * f + filter) * oh * ow, oh * ow));
            }
        });
    }

    /// <summary>
    /// M[ξ] = U[ξ] V[ξ] for each of the <paramref name="positions"/> transform positions: [f x c] by [c x tiles],
    /// U packed [positions][f][c], V and M in blocks <paramref name="vBlock"/> and <paramref name="mBlock"/> apart.
    /// </summary>
    internal static void MultiplyPositions<T>(int positions, int f, int c, int tiles, T[] u, T[] v, int vBlock, T[] m, int mBlock) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int xi = 0; xi < positions; xi++)
            GemmKernel.Multiply<T>(false, false, f, tiles, c, u.AsSpan(xi * f * c, f * c), c, v.AsSpan(xi * vBlock, c * tiles), tiles,
                m.AsSpan(xi * mBlock, f * tiles), tiles);
    }

    /// <summary>V[ξ][ch][tile] = (Bᵀ d B)[ξ] for the 4x4 tiles of every input plane (each plane zero-padded once).</summary>
    private static void TransformInputs<T>(T[] x, int xOffset, int n, int c, int h, int w, int padTop, int padLeft, int th, int tw, T[] v, int vBlock)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tiles = n * th * tw, ph = 2 * th + 2, pw = 2 * tw + 2;
        WorkerPool.For(n * c, (p0, p1) =>
        {
            var padded = Workspace<T>.Get(Workspace<T>.PaddedInputSlot, ph * pw);
            for (int plane = p0; plane < p1; plane++)
            {
                // Channel-major order: consecutive planes write consecutive tiles of each V block.
                int channel = plane / n, sample = plane % n, source = sample * c + channel;
                Array.Clear(padded, 0, ph * pw);
                for (int row = 0; row < h; row++)
                {
                    int pr = row + padTop;
                    if (pr < 0 || pr >= ph) continue;
                    int first = Math.Max(0, -padLeft), last = Math.Min(w, pw - padLeft);
                    if (last > first)
                        x.AsSpan(xOffset + (source * h + row) * w + first, last - first).CopyTo(padded.AsSpan(pr * pw + first + padLeft, last - first));
                }
                TransformInput<T>(padded, pw, th, tw, v.AsSpan(), channel * tiles + sample * th * tw, vBlock);
            }
        });
    }

    /// <summary>
    /// Bᵀ d B for each 4x4 tile of a padded plane; Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]. The
    /// plane's tiles are consecutive in each V block, so tiles go a vector at a time: their 16 inputs are
    /// gathered lane by lane, transformed with vector arithmetic and stored as 16 contiguous vectors.
    /// </summary>
    private static void TransformInput<T>(ReadOnlySpan<T> p, int pw, int th, int tw, Span<T> v, int start, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = th * tw, width = Vector<T>.Count, q = 0;
        if (typeof(T) == typeof(float) && Avx.IsSupported && tw % 4 == 0)
            q = TransformInputAvx(MemoryMarshal.Cast<T, float>(p), pw, tw, count, MemoryMarshal.Cast<T, float>(v), start, stride);
        else if (Vector.IsHardwareAccelerated)
        {
            Span<T> d = stackalloc T[16 * width];
            for (; q + width <= count; q += width)
            {
                for (int lane = 0, ty = q / tw, tx = q % tw; lane < width; lane++)
                {
                    int o = 2 * ty * pw + 2 * tx;
                    for (int r = 0; r < 4; r++)
                        for (int c = 0; c < 4; c++) d[(r * 4 + c) * width + lane] = p[o + r * pw + c];
                    if (++tx == tw) { tx = 0; ty++; }
                }
                for (int c = 0; c < 4; c++)
                {
                    // Column c of Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
                    Vector<T> d0 = new(d[((0 + c) * width)..]), d1 = new(d[((4 + c) * width)..]), d2 = new(d[((8 + c) * width)..]), d3 = new(d[((12 + c) * width)..]);
                    (d0 - d2).CopyTo(d[((0 + c) * width)..]);
                    (d1 + d2).CopyTo(d[((4 + c) * width)..]);
                    (d2 - d1).CopyTo(d[((8 + c) * width)..]);
                    (d1 - d3).CopyTo(d[((12 + c) * width)..]);
                }
                for (int r = 0; r < 4; r++)
                {
                    // Row r of (Bᵀ d) B: a0 - a2, a1 + a2, a2 - a1, a1 - a3.
                    Vector<T> a0 = new(d[((r * 4) * width)..]), a1 = new(d[((r * 4 + 1) * width)..]), a2 = new(d[((r * 4 + 2) * width)..]), a3 = new(d[((r * 4 + 3) * width)..]);
                    int at = start + q;
                    (a0 - a2).CopyTo(v[((r * 4) * stride + at)..]);
                    (a1 + a2).CopyTo(v[((r * 4 + 1) * stride + at)..]);
                    (a2 - a1).CopyTo(v[((r * 4 + 2) * stride + at)..]);
                    (a1 - a3).CopyTo(v[((r * 4 + 3) * stride + at)..]);
                }
            }
        }
        // The remaining tiles one by one, with the same arithmetic.
        for (; q < count; q++)
        {
            int ty = q / tw, tx = q % tw;
            int o = (2 * ty) * pw + 2 * tx, at = start + q;
            T r00 = p[o] - p[o + 2 * pw], r01 = p[o + 1] - p[o + 1 + 2 * pw], r02 = p[o + 2] - p[o + 2 + 2 * pw], r03 = p[o + 3] - p[o + 3 + 2 * pw];
            T r10 = p[o + pw] + p[o + 2 * pw], r11 = p[o + 1 + pw] + p[o + 1 + 2 * pw], r12 = p[o + 2 + pw] + p[o + 2 + 2 * pw], r13 = p[o + 3 + pw] + p[o + 3 + 2 * pw];
            T r20 = p[o + 2 * pw] - p[o + pw], r21 = p[o + 1 + 2 * pw] - p[o + 1 + pw], r22 = p[o + 2 + 2 * pw] - p[o + 2 + pw], r23 = p[o + 3 + 2 * pw] - p[o + 3 + pw];
            T r30 = p[o + pw] - p[o + 3 * pw], r31 = p[o + 1 + pw] - p[o + 1 + 3 * pw], r32 = p[o + 2 + pw] - p[o + 2 + 3 * pw], r33 = p[o + 3 + pw] - p[o + 3 + 3 * pw];
            Row(v, at, stride, 0, r00, r01, r02, r03);
            Row(v, at, stride, 4, r10, r11, r12, r13);
            Row(v, at, stride, 8, r20, r21, r22, r23);
            Row(v, at, stride, 12, r30, r31, r32, r33);
        }

        static void Row(Span<T> v, int at, int stride, int xi, T a0, T a1, T a2, T a3)
        {
            v[xi * stride + at] = a0 - a2;
            v[(xi + 1) * stride + at] = a1 + a2;
            v[(xi + 2) * stride + at] = a2 - a1;
            v[(xi + 3) * stride + at] = a1 - a3;
        }
    }

    /// <summary>
    /// The input transform eight tiles at a time without a gather: four tiles of a tile row start two
    /// columns apart, so their inputs in column c of the tile are the even or odd elements of one 8-float
    /// load (offset 0 for c = 0, 1 and 2 for c = 2, 3), split by a shuffle. The lane-by-lane gather through
    /// a stack buffer it replaces took 2.7 ns per input element, most of a wide layer's input transform.
    /// Same arithmetic as the other paths, so the same bits. Needs tw % 4 == 0 (each group of four tiles in
    /// one tile row); returns how many tiles it did (whole groups of eight).
    /// </summary>
    private static unsafe int TransformInputAvx(ReadOnlySpan<float> p, int pw, int tw, int count, Span<float> v, int start, int stride)
    {
        int q = 0;
        fixed (float* pp = p) fixed (float* vp = v)
            for (; q + 8 <= count; q += 8)
            {
                float* g0 = pp + 2 * (q / tw) * pw + 2 * (q % tw), g1 = pp + 2 * ((q + 4) / tw) * pw + 2 * ((q + 4) % tw);
                // d[r][c] for the eight tiles, one vector each.
                Columns(g0, g1, out var d00, out var d01, out var d02, out var d03);
                Columns(g0 + pw, g1 + pw, out var d10, out var d11, out var d12, out var d13);
                Columns(g0 + 2 * pw, g1 + 2 * pw, out var d20, out var d21, out var d22, out var d23);
                Columns(g0 + 3 * pw, g1 + 3 * pw, out var d30, out var d31, out var d32, out var d33);
                // Bᵀ d, column by column: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then each row times B.
                float* at = vp + start + q;
                Row(at, 0, stride, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
                Row(at, 4, stride, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
                Row(at, 8, stride, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
                Row(at, 12, stride, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
            }
        return q;

        static void Columns(float* row0, float* row1, out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3)
        {
            Vector256<float> a0 = Avx.LoadVector256(row0), a1 = Avx.LoadVector256(row1), b0 = Avx.LoadVector256(row0 + 2), b1 = Avx.LoadVector256(row1 + 2);
            c0 = Vector256.Create(Even(a0), Even(a1)); c1 = Vector256.Create(Odd(a0), Odd(a1));
            c2 = Vector256.Create(Even(b0), Even(b1)); c3 = Vector256.Create(Odd(b0), Odd(b1));
        }

        static void Row(float* at, int xi, int stride, Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
        {
            Avx.Store(at + (long)xi * stride, a0 - a2);
            Avx.Store(at + (long)(xi + 1) * stride, a1 + a2);
            Avx.Store(at + (long)(xi + 2) * stride, a2 - a1);
            Avx.Store(at + (long)(xi + 3) * stride, a1 - a3);
        }
    }

    private static Vector128<float> Even(Vector256<float> x) => Sse.Shuffle(x.GetLower(), x.GetUpper(), 0b10_00_10_00);
    private static Vector128<float> Odd(Vector256<float> x) => Sse.Shuffle(x.GetLower(), x.GetUpper(), 0b11_01_11_01);

    /// <summary>
    /// Aᵀ m A for each tile of one output plane; Aᵀ = [[1,1,1,0],[0,1,-1,-1]]. The 16 inputs of consecutive
    /// tiles are contiguous in M, so tiles go a vector at a time; the four outputs of each tile are then
    /// placed one by one (cropping the last row and column of odd sizes).
    /// </summary>
    private static void TransformOutput<T>(ReadOnlySpan<T> m, int start, int stride, int th, int tw, int oh, int ow, T bias, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = th * tw, width = Vector<T>.Count, q = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<T> outputs = stackalloc T[4 * width];
            var b = new Vector<T>(bias);
            for (; q + width <= count; q += width)
            {
                int at = start + q;
                Vector<T> m0 = new(m[at..]), m1 = new(m[(stride + at)..]), m2 = new(m[(2 * stride + at)..]), m3 = new(m[(3 * stride + at)..]);
                Vector<T> m4 = new(m[(4 * stride + at)..]), m5 = new(m[(5 * stride + at)..]), m6 = new(m[(6 * stride + at)..]), m7 = new(m[(7 * stride + at)..]);
                Vector<T> m8 = new(m[(8 * stride + at)..]), m9 = new(m[(9 * stride + at)..]), m10 = new(m[(10 * stride + at)..]), m11 = new(m[(11 * stride + at)..]);
                Vector<T> m12 = new(m[(12 * stride + at)..]), m13 = new(m[(13 * stride + at)..]), m14 = new(m[(14 * stride + at)..]), m15 = new(m[(15 * stride + at)..]);
                Vector<T> s00 = m0 + m4 + m8, s01 = m1 + m5 + m9, s02 = m2 + m6 + m10, s03 = m3 + m7 + m11;
                Vector<T> s10 = m4 - m8 - m12, s11 = m5 - m9 - m13, s12 = m6 - m10 - m14, s13 = m7 - m11 - m15;
                (s00 + s01 + s02 + b).CopyTo(outputs);
                (s01 - s02 - s03 + b).CopyTo(outputs[width..]);
                (s10 + s11 + s12 + b).CopyTo(outputs[(2 * width)..]);
                (s11 - s12 - s13 + b).CopyTo(outputs[(3 * width)..]);
                for (int lane = 0, ty = q / tw, tx = q % tw; lane < width; lane++)
                {
                    Place(y, ty, tx, oh, ow, outputs[lane], outputs[width + lane], outputs[2 * width + lane], outputs[3 * width + lane]);
                    if (++tx == tw) { tx = 0; ty++; }
                }
            }
        }
        for (; q < count; q++)
        {
            int at = start + q;
            T m0 = m[at], m1 = m[stride + at], m2 = m[2 * stride + at], m3 = m[3 * stride + at];
            T m4 = m[4 * stride + at], m5 = m[5 * stride + at], m6 = m[6 * stride + at], m7 = m[7 * stride + at];
            T m8 = m[8 * stride + at], m9 = m[9 * stride + at], m10 = m[10 * stride + at], m11 = m[11 * stride + at];
            T m12 = m[12 * stride + at], m13 = m[13 * stride + at], m14 = m[14 * stride + at], m15 = m[15 * stride + at];
            // s0 = row0 + row1 + row2, s1 = row1 - row2 - row3 (rows of the 4x4), then the same along columns.
            T s00 = m0 + m4 + m8, s01 = m1 + m5 + m9, s02 = m2 + m6 + m10, s03 = m3 + m7 + m11;
            T s10 = m4 - m8 - m12, s11 = m5 - m9 - m13, s12 = m6 - m10 - m14, s13 = m7 - m11 - m15;
            Place(y, q / tw, q % tw, oh, ow, s00 + s01 + s02 + bias, s01 - s02 - s03 + bias, s10 + s11 + s12 + bias, s11 - s12 - s13 + bias);
        }

        static void Place(Span<T> y, int ty, int tx, int oh, int ow, T y00, T y01, T y10, T y11)
        {
            int row = 2 * ty, col = 2 * tx;
            y[row * ow + col] = y00;
            if (col + 1 < ow) y[row * ow + col + 1] = y01;
            if (row + 1 < oh)
            {
                y[(row + 1) * ow + col] = y10;
                if (col + 1 < ow) y[(row + 1) * ow + col + 1] = y11;
            }
        }
    }
}
