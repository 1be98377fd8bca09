using System.Numerics;
using System.Runtime.Intrinsics;
using DeepLite.Kernels.Gemm;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// Direct convolution for thin inputs (few channels, as the first layer of an image net), stride 1:
/// each sample is zero-padded once, then for a block of filters and a few vectors of output positions
/// the accumulators stay in registers over the whole C x KH x KW loop. No im2col matrix is built. With
/// AVX2, four filters by two vectors of a row (this file); with AVX-512, eight filters by three vectors
/// (DirectConvolution.Avx512.cs).
/// </summary>
internal static partial class DirectConvolution
{
    public static bool Supports(ConvGeometry g) => g.SH == 1 && g.SW == 1 && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>
    /// y = conv(x, w) + b for the whole batch, on both cores: with <paramref name="avx512"/>, eight filters by three
    /// output vectors a step (DirectConvolution.Avx512.cs), else four filters by two AVX2 vectors (<see cref="ConvPlan"/> chooses).
    /// With <paramref name="relu"/> (AVX-512 only), y = relu(conv(x, w) + b), applied as the values are stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Forward<T>(T[] x, int xOffset, T[] weight, T[]? bias, ConvGeometry g, T[] y, bool avx512, bool relu = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (avx512)
        {
            Forward512(x, xOffset, weight, bias, g, y, relu);
            return;
        }
        if (relu) throw new NotSupportedException("The AVX2 direct convolution does not apply a ReLU; run it after.");
        int blocks = (g.F + 3) / 4;
        int ckk = g.PatchSize;
        var packed = PackWeights(weight, g, 4);
        int ph = g.OH + g.KH - 1; // rows of the padded input
        int pw = g.OW + g.KW - 1 + Vector256<T>.Count * 2; // room for full-vector loads past the last output
        int work = g.N * blocks;
        WorkerPool.For(work, (w0, w1) =>
        {
            var padded = Workspace<T>.Get(WorkspaceSlot.PaddedInput, g.C * ph * pw);
            int lastSample = -1;
            for (int item = w0; item < w1; item++)
            {
                int n = item / blocks, block = item % blocks;
                if (n != lastSample) { Pad(x, xOffset + n * g.C * g.H * g.W, g, padded, ph, pw); lastSample = n; }
                fixed (T* pp = padded) fixed (T* wp = &packed[block * ckk * 4]) fixed (T* yp = y)
                    Block(pp, ph, pw, wp, bias, block * 4, g, yp + (long)n * g.F * g.OutputPixels);
            }
        });
    }

    /// <summary>
    /// The weights packed [block][c, i, j][<paramref name="filters"/> filters], zero for filters past F, in a
    /// reused workspace (not a new array per call).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T[] PackWeights<T>(T[] weight, ConvGeometry g, int filters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ckk = g.PatchSize, length = (g.F + filters - 1) / filters * ckk * filters;
        var packed = Workspace<T>.Get(WorkspaceSlot.PackedWeights, length);
        Array.Clear(packed, 0, length);
        for (int f = 0; f < g.F; f++)
            for (int k = 0; k < ckk; k++)
                packed[(f / filters * ckk + k) * filters + f % filters] = weight[f * ckk + k];
        return packed;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Pad<T>(T[] x, int offset, ConvGeometry g, T[] padded, int ph, int pw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Array.Clear(padded, 0, g.C * ph * pw);
        for (int c = 0; c < g.C; c++)
            for (int h = 0; h < g.H; h++)
            {
                int row = h + g.PadTop;
                if (row >= ph) break;
                int count = Math.Min(g.W, pw - g.PadLeft);
                x.AsSpan(offset + (c * g.H + h) * g.W, count).CopyTo(padded.AsSpan((c * ph + row) * pw + g.PadLeft, count));
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block<T>(T* padded, int ph, int pw, T* w, T[]? bias, int f0, ConvGeometry g, T* y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int v = Vector256<T>.Count;
        int filters = Math.Min(4, g.F - f0);
        T b0 = Bias(bias, f0), b1 = Bias(bias, f0 + 1), b2 = Bias(bias, f0 + 2), b3 = Bias(bias, f0 + 3);
        T* tail = stackalloc T[8 * 2 * 16];
        for (int oh = 0; oh < g.OH; oh++)
        {
            for (int ow = 0; ow < g.OW; ow += 2 * v)
            {
                var a00 = Vector256.Create(b0); var a01 = a00;
                var a10 = Vector256.Create(b1); var a11 = a10;
                var a20 = Vector256.Create(b2); var a21 = a20;
                var a30 = Vector256.Create(b3); var a31 = a30;
                T* wk = w;
                for (int c = 0; c < g.C; c++)
                    for (int i = 0; i < g.KH; i++)
                    {
                        T* row = padded + ((long)c * ph + oh + i) * pw + ow;
                        for (int j = 0; j < g.KW; j++, wk += 4)
                        {
                            var x0 = Vector256.Load(row + j);
                            var x1 = Vector256.Load(row + j + v);
                            var w0 = Vector256.Create(wk[0]); a00 = Simd.Fma(w0, x0, a00); a01 = Simd.Fma(w0, x1, a01);
                            var w1 = Vector256.Create(wk[1]); a10 = Simd.Fma(w1, x0, a10); a11 = Simd.Fma(w1, x1, a11);
                            var w2 = Vector256.Create(wk[2]); a20 = Simd.Fma(w2, x0, a20); a21 = Simd.Fma(w2, x1, a21);
                            var w3 = Vector256.Create(wk[3]); a30 = Simd.Fma(w3, x0, a30); a31 = Simd.Fma(w3, x1, a31);
                        }
                    }
                int count = Math.Min(2 * v, g.OW - ow);
                if (count == 2 * v)
                {
                    T* o = y + (long)f0 * g.OutputPixels + oh * g.OW + ow;
                    a00.Store(o); a01.Store(o + v);
                    if (filters > 1) { a10.Store(o + g.OutputPixels); a11.Store(o + g.OutputPixels + v); }
                    if (filters > 2) { a20.Store(o + 2 * g.OutputPixels); a21.Store(o + 2 * g.OutputPixels + v); }
                    if (filters > 3) { a30.Store(o + 3 * g.OutputPixels); a31.Store(o + 3 * g.OutputPixels + v); }
                }
                else
                {
                    // The row's last, partial chunk: store aside, copy what lies inside the row.
                    a00.Store(tail); a01.Store(tail + v); a10.Store(tail + 2 * v); a11.Store(tail + 3 * v);
                    a20.Store(tail + 4 * v); a21.Store(tail + 5 * v); a30.Store(tail + 6 * v); a31.Store(tail + 7 * v);
                    for (int f = 0; f < filters; f++)
                    {
                        T* o = y + (long)(f0 + f) * g.OutputPixels + oh * g.OW + ow;
                        for (int k = 0; k < count; k++) o[k] = tail[f * 2 * v + k];
                    }
                }
            }
        }
    }

    private static T Bias<T>(T[]? bias, int f) where T : unmanaged, IFloatingPointIeee754<T> =>
        bias is not null && f < bias.Length ? bias[f] : T.Zero;
}
