using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Convolution;

// The weight gradient's assembly of F(4x4, 3x3): dW = Gᵀ P G for every (filter, channel) pair, from P laid out
// [ξ][f][c] or [ξ][c][f], a vector of pairs at a time.
internal static unsafe partial class Winograd4x4
{
    /// <summary>dW for filters f0..f1 - 1 from P[ξ][f][c]: each vector holds consecutive c, whose 9 values each are consecutive in dW.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssembleRows<T>(T[] p, ConvGeometry g, int f0, int f1, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count, fc = g.F * g.C;
        var w = stackalloc Vector<T>[9];
        fixed (T* pp = p)
            for (int f = f0; f < f1; f++)
            {
                int c = 0;
                for (; c + width <= g.C; c += width)
                {
                    int at0 = f * g.C + c;
                    GtPG(pp + at0, fc, w);
                    Scatter(w, gw, at0 * 9, 9);
                }
                for (; c < g.C; c++) AssembleOne(pp + f * g.C + c, fc, f * g.C + c, gw);
            }
    }

    /// <summary>
    /// dW for the filter vectors v0..v1 - 1 from P[ξ][c][f]: each vector holds consecutive f; eight channels
    /// at a time, so each filter's 8 x 9 values are written as one run (filter by filter they lie C x 9 apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssembleColumns<T>(T[] p, ConvGeometry g, int v0, int v1, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count, fc = g.F * g.C;
        var block = stackalloc Vector<T>[8 * 9];
        fixed (T* pp = p)
            for (int v = v0; v < v1; v++)
            {
                int f0 = v * width;
                if (f0 + width > g.F)
                {
                    for (int f = f0; f < g.F; f++)
                        for (int c = 0; c < g.C; c++) AssembleOne(pp + c * g.F + f, fc, f * g.C + c, gw);
                    continue;
                }
                for (int c0 = 0; c0 < g.C; c0 += 8)
                {
                    int channels = Math.Min(8, g.C - c0);
                    for (int i = 0; i < channels; i++) GtPG(pp + (c0 + i) * g.F + f0, fc, block + i * 9);
                    T* values = (T*)block;
                    for (int lane = 0; lane < width; lane++)
                    {
                        int to = ((f0 + lane) * g.C + c0) * 9;
                        for (int i = 0; i < channels * 9; i++) gw[to + i] = values[i * width + lane];
                    }
                }
            }
    }

    /// <summary>Gᵀ P G for a vector of pairs starting at <paramref name="p"/> (block stride <paramref name="fc"/>): nine vectors of dW values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GtPG<T>(T* p, int fc, Vector<T>* w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var q = stackalloc Vector<T>[18];
        for (int col = 0; col < 6; col++)
            GtTimes(Load(p + col * fc), Load(p + (6 + col) * fc), Load(p + (12 + col) * fc), Load(p + (18 + col) * fc),
                Load(p + (24 + col) * fc), Load(p + (30 + col) * fc), out q[col], out q[6 + col], out q[12 + col]);
        for (int row = 0; row < 3; row++)
            GtTimes(q[row * 6], q[row * 6 + 1], q[row * 6 + 2], q[row * 6 + 3], q[row * 6 + 4], q[row * 6 + 5], out w[row * 3], out w[row * 3 + 1], out w[row * 3 + 2]);
    }

    /// <summary>Writes lane l's <paramref name="count"/> values (vector e holds value e) to dW[to + l * count + e].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scatter<T>(Vector<T>* w, T[] gw, int to, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* values = (T*)w;
        int width = Vector<T>.Count;
        if (typeof(T) == typeof(float) && width == 8 && count == 9 && Avx.IsSupported && to + 72 <= gw.Length)
        {
            // Values 0..7 of the eight lanes by one 8x8 register transpose, each lane's row stored where its nine values
            // start, then value 8 lane by lane (72 scalar stores had been a tenth of a wide layer's weight gradient).
            fixed (T* g = gw)
            {
                float* at = (float*)g + to;
                Simd.Transpose8x8((float*)values, 8, at, 9);
                for (int lane = 0; lane < 8; lane++) at[lane * 9 + 8] = ((float*)values)[64 + lane];
            }
            return;
        }
        for (int lane = 0; lane < width; lane++)
            for (int e = 0; e < count; e++) gw[to + lane * count + e] = values[e * width + lane];
    }

    /// <summary>Gᵀ P G for the one pair at <paramref name="p"/> (block stride <paramref name="fc"/>) into dW[9k..9k + 8].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AssembleOne<T>(T* p, int fc, int k, T[] gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> q = stackalloc T[18];
        for (int col = 0; col < 6; col++)
            GtTimes(p[col * fc], p[(6 + col) * fc], p[(12 + col) * fc], p[(18 + col) * fc], p[(24 + col) * fc], p[(30 + col) * fc],
                out q[col], out q[6 + col], out q[12 + col]);
        for (int row = 0; row < 3; row++)
            GtTimes(q[row * 6], q[row * 6 + 1], q[row * 6 + 2], q[row * 6 + 3], q[row * 6 + 4], q[row * 6 + 5],
                out gw[k * 9 + row * 3], out gw[k * 9 + row * 3 + 1], out gw[k * 9 + row * 3 + 2]);
    }
}
