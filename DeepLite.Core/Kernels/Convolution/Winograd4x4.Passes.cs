using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

// The three passes of F(4x4, 3x3) over a chunk of samples that run per chunk, as structs for
// WorkerPool.For, so that a pass allocates no closure per chunk.
internal static unsafe partial class Winograd4x4
{
    /// <summary>
    /// V[ξ][ch][tile] = (Bᵀ d B)[ξ] for items (channel, vector group of samples): the group's planes
    /// interleaved, a lane per sample, then transformed a tile position at a time; the last samples, fewer
    /// than a vector, one plane at a time. V's rows (channels) are <paramref name="vRow"/> apart.
    /// </summary>
    private readonly struct InputPass<T>(T[] x, int xOffset, int n, int c, int h, int w, int padTop, int padLeft, int th, int tw, T[] v, int vRow, int vBlock)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int p0, int p1)
        {
            int tiles = n * th * tw, ph = 4 * th + 2, pw = 4 * tw + 2, width = Vector<T>.Count, groups = (n + width - 1) / width;
            // Interleaved groups, then room for one plane of the last, narrower group.
            var padded = Workspace<T>.Get(WorkspaceSlot.PaddedInput, ph * pw * (width + 1));
            Elementwise.Zero(padded.AsSpan(0, ph * pw * width));
            fixed (T* xp = x) fixed (T* pp = padded) fixed (T* vp = v)
                for (int item = p0; item < p1; item++)
                {
                    int channel = item / groups, s0 = item % groups * width;
                    T* vc = vp + (long)channel * vRow;
                    if (s0 + width <= n)
                    {
                        Interleave(xp + xOffset, (long)c * h * w, channel * h * w, s0, h, w, padTop, padLeft, ph, pw, pp, width);
                        for (int ty = 0; ty < th; ty++)
                            for (int tx = 0; tx < tw; tx++)
                                TransformInputTiles(pp + (4 * ty * pw + 4 * tx) * width, pw * width, vc + Tile(s0, ty * tw + tx, n, th * tw, width), vBlock);
                        continue;
                    }
                    T* plane = pp + ph * pw * width;
                    for (int sample = s0; sample < n; sample++)
                    {
                        Elementwise.Zero(new Span<T>(plane, ph * pw));
                        Interleave(xp + xOffset, (long)c * h * w, channel * h * w, sample, h, w, padTop, padLeft, ph, pw, plane, lanes: 1);
                        for (int ty = 0; ty < th; ty++)
                            for (int tx = 0; tx < tw; tx++)
                                TransformInputTile(plane + 4 * ty * pw + 4 * tx, pw, vc + Tile(sample, ty * tw + tx, n, th * tw, width), vBlock);
                    }
                }
        }
    }

    /// <summary>Y = Aᵀ M A per tile for items (filter, vector group of samples), cropped to oh x ow, plus the bias (then relu with <paramref name="relu"/>), into y at <paramref name="yOffset"/>.</summary>
    private readonly struct OutputPass<T>(T[] m, int mBlock, int n, int f, int th, int tw, int oh, int ow, T[]? bias, bool relu, T[] y, int yOffset)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int p0, int p1)
        {
            int tiles = n * th * tw, width = Vector<T>.Count, groups = (n + width - 1) / width;
            fixed (T* mp = m) fixed (T* y0 = y)
                for (int item = p0; item < p1; item++)
                {
                    int filter = item / groups, s0 = item % groups * width;
                    TransformOutputs(mp + filter * tiles, mBlock, s0, n, f, th, tw, oh, ow, bias is null ? T.Zero : bias[filter], relu, y0 + yOffset + filter * oh * ow);
                }
        }
    }

    /// <summary>
    /// Y = Aᵀ M A for one filter's tiles of the vector group from sample <paramref name="s0"/>: M's row for the filter at
    /// <paramref name="mf"/> (positions <paramref name="mBlock"/> apart), the filter's plane of sample 0 at <paramref name="y"/>
    /// (samples f x oh x ow apart), cropped to oh x ow, plus the bias (then relu with <paramref name="relu"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputs<T>(T* mf, int mBlock, int s0, int n, int f, int th, int tw, int oh, int ow, T bias, bool relu, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        for (int ty = 0; ty < th; ty++)
            for (int tx = 0; tx < tw; tx++)
            {
                int position = ty * tw + tx;
                if (s0 + width <= n) TransformOutputTiles(mf + Tile(s0, position, n, th * tw, width), mBlock, y, (long)f * oh * ow, s0, oh, ow, 4 * ty, 4 * tx, bias, relu);
                else
                    for (int sample = s0; sample < n; sample++)
                        TransformOutputTile(mf + Tile(sample, position, n, th * tw, width), mBlock, y + (long)sample * f * oh * ow, oh, ow, 4 * ty, 4 * tx, bias, relu);
            }
    }

    /// <summary>Z[ξ][f][tile] = (A dY Aᵀ)[ξ] for items (filter, vector group of samples) of dY at <paramref name="gyOffset"/>; dY is zero past the plane's edge.</summary>
    private readonly struct GradientPass<T>(T[] gy, int gyOffset, int n, int f, int oh, int ow, int th, int tw, T[] z, int zBlock)
        : WorkerPool.IRange where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int p0, int p1)
        {
            int tiles = n * th * tw, width = Vector<T>.Count, groups = (n + width - 1) / width;
            var lanes = Workspace<T>.Get(WorkspaceSlot.PaddedGradient, 16 * th * tw * width);
            Elementwise.Zero(lanes.AsSpan(0, 16 * th * tw * width)); // cells past the plane's edge stay zero
            fixed (T* gp = gy) fixed (T* zp = z) fixed (T* lp = lanes)
                for (int item = p0; item < p1; item++)
                {
                    int filter = item / groups, s0 = item % groups * width;
                    T* zf = zp + filter * tiles;
                    if (s0 + width <= n)
                    {
                        Interleave(gp + gyOffset, (long)f * oh * ow, filter * oh * ow, s0, oh, ow, 0, 0, 4 * th, 4 * tw, lp, width);
                        for (int ty = 0; ty < th; ty++)
                            for (int tx = 0; tx < tw; tx++)
                                TransformGradientTiles(lp + (4 * ty * 4 * tw + 4 * tx) * width, 4 * tw * width, zf + Tile(s0, ty * tw + tx, n, th * tw, width), zBlock);
                    }
                    else
                        for (int sample = s0; sample < n; sample++)
                            for (int ty = 0; ty < th; ty++)
                                for (int tx = 0; tx < tw; tx++)
                                    TransformGradientTile(gp + gyOffset + (sample * f + filter) * oh * ow, oh, ow, 4 * ty, 4 * tx, zf + Tile(sample, ty * tw + tx, n, th * tw, width), zBlock);
                }
        }
    }
}
