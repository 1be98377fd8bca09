using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

// The per-tile arithmetic of F(4x4, 3x3): the 2-D transforms of a vector of tiles (a lane per sample)
// and of one tile (the last samples, fewer than a vector), built from the 1-D transforms at the end.
internal static unsafe partial class Winograd4x4
{
    /// <summary>Bᵀ d B for a vector of tiles, lane-interleaved at <paramref name="d"/> (row stride <paramref name="rowStride"/>), stored to v[ξ * stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInputTiles<T>(T* d, int rowStride, T* v, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        var s = stackalloc Vector<T>[36];
        for (int col = 0; col < 6; col++)
        {
            T* at = d + col * width;
            BtTimes(Load(at), Load(at + rowStride), Load(at + 2 * rowStride), Load(at + 3 * rowStride), Load(at + 4 * rowStride), Load(at + 5 * rowStride),
                out s[col], out s[6 + col], out s[12 + col], out s[18 + col], out s[24 + col], out s[30 + col]);
        }
        for (int row = 0; row < 6; row++)
        {
            var r = s + row * 6;
            BtTimes(r[0], r[1], r[2], r[3], r[4], r[5], out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
            T* at = v + (long)row * 6 * stride;
            Store(v0, at); Store(v1, at + stride); Store(v2, at + 2L * stride); Store(v3, at + 3L * stride); Store(v4, at + 4L * stride); Store(v5, at + 5L * stride);
        }
    }

    /// <summary>Aᵀ m A for a vector of tiles (lane l: sample s0 + l), plus the bias (then relu with <paramref name="relu"/>), written to each sample's plane, cropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputTiles<T>(T* m, int stride, T* y, long sampleStride, int s0, int oh, int ow, int row0, int col0, T bias, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        var q = stackalloc Vector<T>[24];
        for (int col = 0; col < 6; col++)
            AtTimes(Load(m + col * (long)stride), Load(m + (6 + col) * (long)stride), Load(m + (12 + col) * (long)stride), Load(m + (18 + col) * (long)stride),
                Load(m + (24 + col) * (long)stride), Load(m + (30 + col) * (long)stride), out q[col], out q[6 + col], out q[12 + col], out q[18 + col]);
        var b = new Vector<T>(bias);
        var outputs = stackalloc Vector<T>[16];
        for (int row = 0; row < 4; row++)
        {
            var r = q + row * 6;
            AtTimes(r[0], r[1], r[2], r[3], r[4], r[5], out var y0, out var y1, out var y2, out var y3);
            outputs[row * 4] = y0 + b; outputs[row * 4 + 1] = y1 + b; outputs[row * 4 + 2] = y2 + b; outputs[row * 4 + 3] = y3 + b;
        }
        if (relu) // ReluOperator's formula (x < 0 ? 0 : x, NaN kept) on Vector<T>, whose width the runtime may set
            for (int i = 0; i < 16; i++) outputs[i] = Vector.ConditionalSelect(Vector.LessThan(outputs[i], Vector<T>.Zero), Vector<T>.Zero, outputs[i]);
        int rows = Math.Min(4, oh - row0), cols = Math.Min(4, ow - col0);
        T* values = (T*)outputs;
        for (int lane = 0; lane < width; lane++)
        {
            T* plane = y + (s0 + lane) * sampleStride;
            for (int row = 0; row < rows; row++)
                for (int col = 0; col < cols; col++)
                    plane[(row0 + row) * ow + col0 + col] = values[(row * 4 + col) * width + lane];
        }
    }

    /// <summary>A g Aᵀ for a vector of 4x4 dY tiles, lane-interleaved at <paramref name="t"/> (row stride <paramref name="rowStride"/>), stored to z[ξ * stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradientTiles<T>(T* t, int rowStride, T* z, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        var s = stackalloc Vector<T>[24];
        for (int col = 0; col < 4; col++)
        {
            T* at = t + col * width;
            ATimes(Load(at), Load(at + rowStride), Load(at + 2 * rowStride), Load(at + 3 * rowStride),
                out s[col], out s[4 + col], out s[8 + col], out s[12 + col], out s[16 + col], out s[20 + col]);
        }
        for (int row = 0; row < 6; row++)
        {
            var r = s + row * 4;
            ATimes(r[0], r[1], r[2], r[3], out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
            T* at = z + (long)row * 6 * stride;
            Store(z0, at); Store(z1, at + stride); Store(z2, at + 2L * stride); Store(z3, at + 3L * stride); Store(z4, at + 4L * stride); Store(z5, at + 5L * stride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(T* p) where T : unmanaged, IFloatingPointIeee754<T> => System.Runtime.CompilerServices.Unsafe.ReadUnaligned<Vector<T>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Vector<T> value, T* p) where T : unmanaged, IFloatingPointIeee754<T> => System.Runtime.CompilerServices.Unsafe.WriteUnaligned(p, value);

    /// <summary>Bᵀ d B for the 6x6 tile at <paramref name="d"/> (row stride <paramref name="pw"/>), written to v[ξ * stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInputTile<T>(T* d, int pw, T* v, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* s = stackalloc T[36];
        for (int col = 0; col < 6; col++)
            BtTimes(d[col], d[pw + col], d[2 * pw + col], d[3 * pw + col], d[4 * pw + col], d[5 * pw + col],
                out s[col], out s[6 + col], out s[12 + col], out s[18 + col], out s[24 + col], out s[30 + col]);
        for (int row = 0; row < 6; row++)
        {
            T* r = s + row * 6;
            BtTimes(r[0], r[1], r[2], r[3], r[4], r[5], out var v0, out var v1, out var v2, out var v3, out var v4, out var v5);
            long at = (long)row * 6 * stride;
            v[at] = v0; v[at + stride] = v1; v[at + 2L * stride] = v2; v[at + 3L * stride] = v3; v[at + 4L * stride] = v4; v[at + 5L * stride] = v5;
        }
    }

    /// <summary>Aᵀ m A for the tile whose 36 values sit at m[ξ * stride], placed at (row0, col0) of y, cropped, plus the bias (then relu with <paramref name="relu"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutputTile<T>(T* m, int stride, T* y, int oh, int ow, int row0, int col0, T bias, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* q = stackalloc T[24];
        for (int col = 0; col < 6; col++)
            AtTimes(m[col * stride], m[(6 + col) * (long)stride], m[(12 + col) * (long)stride], m[(18 + col) * (long)stride], m[(24 + col) * (long)stride], m[(30 + col) * (long)stride],
                out q[col], out q[6 + col], out q[12 + col], out q[18 + col]);
        int rows = Math.Min(4, oh - row0), cols = Math.Min(4, ow - col0);
        for (int row = 0; row < rows; row++)
        {
            T* r = q + row * 6;
            AtTimes(r[0], r[1], r[2], r[3], r[4], r[5], out var y0, out var y1, out var y2, out var y3);
            T* dst = y + (row0 + row) * ow + col0;
            dst[0] = Out(y0 + bias, relu);
            if (cols > 1) dst[1] = Out(y1 + bias, relu);
            if (cols > 2) dst[2] = Out(y2 + bias, relu);
            if (cols > 3) dst[3] = Out(y3 + bias, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Out<T>(T value, bool relu) where T : unmanaged, IFloatingPointIeee754<T> => relu ? ReluOperator<T>.Invoke(value) : value;

    /// <summary>A g Aᵀ for the 4x4 dY tile at (row0, col0) (zero past the plane's edge), written to z[ξ * stride].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformGradientTile<T>(T* gy, int oh, int ow, int row0, int col0, T* z, int stride) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* t = stackalloc T[16];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                t[r * 4 + c] = row0 + r < oh && col0 + c < ow ? gy[(row0 + r) * ow + col0 + c] : T.Zero;
        T* s = stackalloc T[24];
        for (int col = 0; col < 4; col++)
            ATimes(t[col], t[4 + col], t[8 + col], t[12 + col], out s[col], out s[4 + col], out s[8 + col], out s[12 + col], out s[16 + col], out s[20 + col]);
        for (int row = 0; row < 6; row++)
        {
            T* r = s + row * 4;
            ATimes(r[0], r[1], r[2], r[3], out var z0, out var z1, out var z2, out var z3, out var z4, out var z5);
            long at = (long)row * 6 * stride;
            z[at] = z0; z[at + stride] = z1; z[at + 2L * stride] = z2; z[at + 3L * stride] = z3; z[at + 4L * stride] = z4; z[at + 5L * stride] = z5;
        }
    }

    // The one-dimensional transforms. Bᵀ = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]],
    // G = [[¼,0,0],[-⅙,-⅙,-⅙],[-⅙,⅙,-⅙],[1/24,1/12,⅙],[1/24,-1/12,⅙],[0,0,1]], Aᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]].
    // Each written once, in its vector form (a lane per tile); the scalar form, for the last tiles of a batch and the
    // weights, runs it on a broadcast value and takes lane 0: the same arithmetic, so the same bits.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BtTimes<T>(T d0, T d1, T d2, T d3, T d4, T d5, out T r0, out T r1, out T r2, out T r3, out T r4, out T r5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        BtTimes(new Vector<T>(d0), new Vector<T>(d1), new Vector<T>(d2), new Vector<T>(d3), new Vector<T>(d4), new Vector<T>(d5), out var vr0, out var vr1, out var vr2, out var vr3, out var vr4, out var vr5);
        r0 = vr0[0]; r1 = vr1[0]; r2 = vr2[0]; r3 = vr3[0]; r4 = vr4[0]; r5 = vr5[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BtTimes<T>(Vector<T> d0, Vector<T> d1, Vector<T> d2, Vector<T> d3, Vector<T> d4, Vector<T> d5,
        out Vector<T> r0, out Vector<T> r1, out Vector<T> r2, out Vector<T> r3, out Vector<T> r4, out Vector<T> r5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> four = new(T.CreateTruncating(4)), five = new(T.CreateTruncating(5)), two = new(T.CreateTruncating(2));
        r0 = four * d0 - five * d2 + d4;
        r1 = d3 + d4 - four * (d1 + d2);
        r2 = four * (d1 - d2) + d4 - d3;
        r3 = two * (d3 - d1) + d4 - d2;
        r4 = two * (d1 - d3) + d4 - d2;
        r5 = four * d1 - five * d3 + d5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GTimes<T>(T g0, T g1, T g2, out T u0, out T u1, out T u2, out T u3, out T u4, out T u5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        GTimes(new Vector<T>(g0), new Vector<T>(g1), new Vector<T>(g2), out var vu0, out var vu1, out var vu2, out var vu3, out var vu4, out var vu5);
        u0 = vu0[0]; u1 = vu1[0]; u2 = vu2[0]; u3 = vu3[0]; u4 = vu4[0]; u5 = vu5[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GTimes<T>(Vector<T> g0, Vector<T> g1, Vector<T> g2,
        out Vector<T> u0, out Vector<T> u1, out Vector<T> u2, out Vector<T> u3, out Vector<T> u4, out Vector<T> u5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T quarter = T.CreateTruncating(0.25), sixth = T.One / T.CreateTruncating(6), twelfth = T.One / T.CreateTruncating(12), twentyFourth = T.One / T.CreateTruncating(24);
        u0 = quarter * g0;
        u1 = -sixth * (g0 + g1 + g2);
        u2 = -sixth * (g0 - g1 + g2);
        u3 = twentyFourth * g0 + twelfth * g1 + sixth * g2;
        u4 = twentyFourth * g0 - twelfth * g1 + sixth * g2;
        u5 = g2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AtTimes<T>(T m0, T m1, T m2, T m3, T m4, T m5, out T o0, out T o1, out T o2, out T o3) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AtTimes(new Vector<T>(m0), new Vector<T>(m1), new Vector<T>(m2), new Vector<T>(m3), new Vector<T>(m4), new Vector<T>(m5), out var vo0, out var vo1, out var vo2, out var vo3);
        o0 = vo0[0]; o1 = vo1[0]; o2 = vo2[0]; o3 = vo3[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AtTimes<T>(Vector<T> m0, Vector<T> m1, Vector<T> m2, Vector<T> m3, Vector<T> m4, Vector<T> m5,
        out Vector<T> o0, out Vector<T> o1, out Vector<T> o2, out Vector<T> o3) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> two = new(T.CreateTruncating(2)), four = new(T.CreateTruncating(4)), eight = new(T.CreateTruncating(8));
        Vector<T> sum12 = m1 + m2, diff12 = m1 - m2, sum34 = m3 + m4, diff34 = m3 - m4;
        o0 = m0 + sum12 + sum34;
        o1 = diff12 + two * diff34;
        o2 = sum12 + four * sum34;
        o3 = diff12 + eight * diff34 + m5;
    }

    /// <summary>A times a 4-vector (A is Aᵀ transposed, 6x4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ATimes<T>(T y0, T y1, T y2, T y3, out T z0, out T z1, out T z2, out T z3, out T z4, out T z5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ATimes(new Vector<T>(y0), new Vector<T>(y1), new Vector<T>(y2), new Vector<T>(y3), out var vz0, out var vz1, out var vz2, out var vz3, out var vz4, out var vz5);
        z0 = vz0[0]; z1 = vz1[0]; z2 = vz2[0]; z3 = vz3[0]; z4 = vz4[0]; z5 = vz5[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ATimes<T>(Vector<T> y0, Vector<T> y1, Vector<T> y2, Vector<T> y3,
        out Vector<T> z0, out Vector<T> z1, out Vector<T> z2, out Vector<T> z3, out Vector<T> z4, out Vector<T> z5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector<T> two = new(T.CreateTruncating(2)), four = new(T.CreateTruncating(4)), eight = new(T.CreateTruncating(8));
        Vector<T> even = y0 + y2, odd = y1 + y3, evenFar = y0 + four * y2, oddFar = two * y1 + eight * y3;
        z0 = y0;
        z1 = even + odd;
        z2 = even - odd;
        z3 = evenFar + oddFar;
        z4 = evenFar - oddFar;
        z5 = y3;
    }

    /// <summary>Gᵀ times a 6-vector (3 values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GtTimes<T>(T p0, T p1, T p2, T p3, T p4, T p5, out T w0, out T w1, out T w2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        GtTimes(new Vector<T>(p0), new Vector<T>(p1), new Vector<T>(p2), new Vector<T>(p3), new Vector<T>(p4), new Vector<T>(p5), out var vw0, out var vw1, out var vw2);
        w0 = vw0[0]; w1 = vw1[0]; w2 = vw2[0];
    }

    /// <summary>Gᵀ times a 6-vector, a lane per (f, c) pair (the scalar form's arithmetic, lane by lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GtTimes<T>(Vector<T> p0, Vector<T> p1, Vector<T> p2, Vector<T> p3, Vector<T> p4, Vector<T> p5,
        out Vector<T> w0, out Vector<T> w1, out Vector<T> w2) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var quarter = new Vector<T>(T.CreateTruncating(0.25)); var sixth = new Vector<T>(T.One / T.CreateTruncating(6));
        var twelfth = new Vector<T>(T.One / T.CreateTruncating(12)); var twentyFourth = new Vector<T>(T.One / T.CreateTruncating(24));
        w0 = quarter * p0 - sixth * (p1 + p2) + twentyFourth * (p3 + p4);
        w1 = sixth * (p2 - p1) + twelfth * (p3 - p4);
        w2 = sixth * (p3 + p4 - p1 - p2) + p5;
    }
}
