using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

// The AVX-512 form of the thin-layer forward: eight filters by three output vectors in 24 zmm
// accumulators, 3 + 8 loads per 24 FMAs (the AVX2 block loads 2 + 4 per 8). The output plane is cut
// into vector-wide slots, row by row, the last of each row masked; three slots make a step wherever they
// lie, so a 28-wide plane wastes only its masked lanes.
internal static partial class DirectConvolution
{
    private const int FiltersPerStep = 8, SlotsPerStep = 3;

    /// <summary>
    /// One vector of output positions: its first input element's offset in the padded plane, its offset in
    /// the output plane and how many of its lanes are inside the row (0 for the slots that fill a last step).
    /// </summary>
    private readonly record struct Slot(int X, int Y, int Count);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Forward512<T>(T[] x, int xOffset, T[] weight, T[]? bias, ConvGeometry g, T[] y, bool relu) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, ckk = g.PatchSize, blocks = (g.F + FiltersPerStep - 1) / FiltersPerStep;
        int ph = g.OH + g.KH - 1, pw = g.OW + g.KW - 1 + w; // room for a whole vector past the last output
        var packed = PackWeights(weight, g, FiltersPerStep);
        var (taps, slotArray) = Layout<T>.For(g, ph, pw);
        WorkerPool.For(g.N * blocks, (w0, w1) =>
        {
            var padded = Workspace<T>.Get(WorkspaceSlot.PaddedInput, g.C * ph * pw);
            byte* masks = stackalloc byte[128];
            Simd.FillMaskTable(masks);
            int lastSample = -1;
            for (int item = w0; item < w1; item++)
            {
                int n = item / blocks, block = item % blocks;
                if (n != lastSample) { Pad(x, xOffset + n * g.C * g.H * g.W, g, padded, ph, pw); lastSample = n; }
                fixed (T* pp = padded) fixed (T* wp = &packed[block * ckk * FiltersPerStep]) fixed (T* yp = y) fixed (int* tp = taps)
                    Block512(pp, tp, ckk, wp, bias, block * FiltersPerStep, g, slotArray, yp + (long)n * g.F * g.OutputPixels, masks, relu);
            }
        });
    }

    /// <summary>
    /// pooled = maxpool(relu(conv(x, w) + b)) over 2x2 windows of stride 2 (<paramref name="pool"/>, whose input is the
    /// convolution's output), with each window's winner as a flat index into that output (<see cref="MaxPooling"/>'s):
    /// a step's eight filter planes of one sample are computed into a per-thread block (8 x OH x OW, tens of KB) and
    /// pooled from there, so the convolution's output, a wide first layer's largest tensor (480 MB for 612 filters at
    /// 28x28, batch 256), is never written. The same values as the three passes: the same kernel and pooling code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardReluMaxPool512<T>(T[] x, int xOffset, T[] weight, T[]? bias, ConvGeometry g, ConvGeometry pool, T[] pooled, int[] argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, ckk = g.PatchSize, blocks = (g.F + FiltersPerStep - 1) / FiltersPerStep;
        int ph = g.OH + g.KH - 1, pw = g.OW + g.KW - 1 + w; // as Forward512
        int plane = g.OutputPixels, pooledPlane = pool.OH * pool.OW;
        var packed = PackWeights(weight, g, FiltersPerStep);
        var (taps, slotArray) = Layout<T>.For(g, ph, pw);
        WorkerPool.For(g.N * blocks, (w0, w1) =>
        {
            var padded = Workspace<T>.Get(WorkspaceSlot.PaddedInput, g.C * ph * pw);
            var planes = Workspace<T>.Get(WorkspaceSlot.ConvOutputBlock, FiltersPerStep * plane);
            byte* masks = stackalloc byte[128];
            Simd.FillMaskTable(masks);
            int lastSample = -1;
            for (int item = w0; item < w1; item++)
            {
                int n = item / blocks, block = item % blocks, f0 = block * FiltersPerStep, filters = Math.Min(FiltersPerStep, g.F - f0);
                if (n != lastSample) { Pad(x, xOffset + n * g.C * g.H * g.W, g, padded, ph, pw); lastSample = n; }
                // Block512 writes filter f's plane at y + f * plane: aimed so that filter f0's lands at the block's start.
                fixed (T* pp = padded) fixed (T* wp = &packed[block * ckk * FiltersPerStep]) fixed (T* bp = planes) fixed (int* tp = taps)
                    Block512(pp, tp, ckk, wp, bias, f0, g, slotArray, bp - (long)f0 * plane, masks, relu: true);
                int first = n * g.F + f0;
                MaxPooling.PoolPlanes<T>(planes.AsSpan(0, filters * plane), pool, pooled.AsSpan(first * pooledPlane, filters * pooledPlane),
                    argmax.AsSpan(first * pooledPlane, filters * pooledPlane), filters, first * plane);
            }
        });
    }

    /// <summary>
    /// Each tap's offset in the padded sample and the output plane's vector slots, kept per thread for the
    /// last geometry (they depend on neither the batch nor the data; built per call they were 3 KB of a
    /// training step's allocations).
    /// </summary>
    private static class Layout<T> where T : unmanaged
    {
        [ThreadStatic] private static (ConvGeometry Key, int[] Taps, Slot[] Slots)? _last;

        public static (int[] Taps, Slot[] Slots) For(ConvGeometry g, int ph, int pw)
        {
            var key = g with { N = 0 };
            if (_last is { } last && last.Key == key) return (last.Taps, last.Slots);
            int w = Vector512<T>.Count;
            var taps = new int[g.PatchSize];
            for (int c = 0; c < g.C; c++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++) taps[(c * g.KH + i) * g.KW + j] = (c * ph + i) * pw + j;
            var slots = new List<Slot>();
            for (int oh = 0; oh < g.OH; oh++)
                for (int ow = 0; ow < g.OW; ow += w) slots.Add(new Slot(oh * pw + ow, oh * g.OW + ow, Math.Min(w, g.OW - ow)));
            while (slots.Count % SlotsPerStep != 0) slots.Add(new Slot(0, 0, 0));
            _last = (key, taps, [.. slots]);
            return (taps, _last.Value.Slots);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block512<T>(T* padded, int* taps, int ckk, T* w, T[]? bias, int f0, ConvGeometry g, Slot[] slots, T* y, byte* masks, bool relu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int filters = Math.Min(FiltersPerStep, g.F - f0);
        var b0 = Vector512.Create(Bias(bias, f0)); var b1 = Vector512.Create(Bias(bias, f0 + 1));
        var b2 = Vector512.Create(Bias(bias, f0 + 2)); var b3 = Vector512.Create(Bias(bias, f0 + 3));
        var b4 = Vector512.Create(Bias(bias, f0 + 4)); var b5 = Vector512.Create(Bias(bias, f0 + 5));
        var b6 = Vector512.Create(Bias(bias, f0 + 6)); var b7 = Vector512.Create(Bias(bias, f0 + 7));
        for (int s = 0; s < slots.Length; s += SlotsPerStep)
        {
            Slot sa = slots[s], sb = slots[s + 1], sc = slots[s + 2];
            Vector512<T> a0 = b0, a1 = b1, a2 = b2, a3 = b3, a4 = b4, a5 = b5, a6 = b6, a7 = b7;
            Vector512<T> c0 = b0, c1 = b1, c2 = b2, c3 = b3, c4 = b4, c5 = b5, c6 = b6, c7 = b7;
            Vector512<T> e0 = b0, e1 = b1, e2 = b2, e3 = b3, e4 = b4, e5 = b5, e6 = b6, e7 = b7;
            T* xa = padded + sa.X, xb = padded + sb.X, xc = padded + sc.X, wk = w;
            for (int t = 0; t < ckk; t++, wk += FiltersPerStep)
            {
                int o = taps[t];
                var va = Simd.Load512(xa + o); var vb = Simd.Load512(xb + o); var vc = Simd.Load512(xc + o);
                var k = Simd.Broadcast512(wk); a0 = Simd.Fma(k, va, a0); c0 = Simd.Fma(k, vb, c0); e0 = Simd.Fma(k, vc, e0);
                k = Simd.Broadcast512(wk + 1); a1 = Simd.Fma(k, va, a1); c1 = Simd.Fma(k, vb, c1); e1 = Simd.Fma(k, vc, e1);
                k = Simd.Broadcast512(wk + 2); a2 = Simd.Fma(k, va, a2); c2 = Simd.Fma(k, vb, c2); e2 = Simd.Fma(k, vc, e2);
                k = Simd.Broadcast512(wk + 3); a3 = Simd.Fma(k, va, a3); c3 = Simd.Fma(k, vb, c3); e3 = Simd.Fma(k, vc, e3);
                k = Simd.Broadcast512(wk + 4); a4 = Simd.Fma(k, va, a4); c4 = Simd.Fma(k, vb, c4); e4 = Simd.Fma(k, vc, e4);
                k = Simd.Broadcast512(wk + 5); a5 = Simd.Fma(k, va, a5); c5 = Simd.Fma(k, vb, c5); e5 = Simd.Fma(k, vc, e5);
                k = Simd.Broadcast512(wk + 6); a6 = Simd.Fma(k, va, a6); c6 = Simd.Fma(k, vb, c6); e6 = Simd.Fma(k, vc, e6);
                k = Simd.Broadcast512(wk + 7); a7 = Simd.Fma(k, va, a7); c7 = Simd.Fma(k, vb, c7); e7 = Simd.Fma(k, vc, e7);
            }
            if (relu)
            {
                // A ReLU layer's pass folded into the store (ReluOperator: x < 0 ? 0 : x, NaN kept): the
                // pre-activation of a wide first layer is its step's largest tensor, read and written once less.
                a0 = Relu(a0); a1 = Relu(a1); a2 = Relu(a2); a3 = Relu(a3); a4 = Relu(a4); a5 = Relu(a5); a6 = Relu(a6); a7 = Relu(a7);
                c0 = Relu(c0); c1 = Relu(c1); c2 = Relu(c2); c3 = Relu(c3); c4 = Relu(c4); c5 = Relu(c5); c6 = Relu(c6); c7 = Relu(c7);
                e0 = Relu(e0); e1 = Relu(e1); e2 = Relu(e2); e3 = Relu(e3); e4 = Relu(e4); e5 = Relu(e5); e6 = Relu(e6); e7 = Relu(e7);
            }
            T* ya = y + (long)f0 * g.OutputPixels + sa.Y, yb = y + (long)f0 * g.OutputPixels + sb.Y, yc = y + (long)f0 * g.OutputPixels + sc.Y;
            long p = g.OutputPixels;
            Simd.StoreFirst(ya, a0, sa.Count, masks); Simd.StoreFirst(yb, c0, sb.Count, masks); Simd.StoreFirst(yc, e0, sc.Count, masks);
            if (filters > 1) { Simd.StoreFirst(ya + p, a1, sa.Count, masks); Simd.StoreFirst(yb + p, c1, sb.Count, masks); Simd.StoreFirst(yc + p, e1, sc.Count, masks); }
            if (filters > 2) { Simd.StoreFirst(ya + 2 * p, a2, sa.Count, masks); Simd.StoreFirst(yb + 2 * p, c2, sb.Count, masks); Simd.StoreFirst(yc + 2 * p, e2, sc.Count, masks); }
            if (filters > 3) { Simd.StoreFirst(ya + 3 * p, a3, sa.Count, masks); Simd.StoreFirst(yb + 3 * p, c3, sb.Count, masks); Simd.StoreFirst(yc + 3 * p, e3, sc.Count, masks); }
            if (filters > 4) { Simd.StoreFirst(ya + 4 * p, a4, sa.Count, masks); Simd.StoreFirst(yb + 4 * p, c4, sb.Count, masks); Simd.StoreFirst(yc + 4 * p, e4, sc.Count, masks); }
            if (filters > 5) { Simd.StoreFirst(ya + 5 * p, a5, sa.Count, masks); Simd.StoreFirst(yb + 5 * p, c5, sb.Count, masks); Simd.StoreFirst(yc + 5 * p, e5, sc.Count, masks); }
            if (filters > 6) { Simd.StoreFirst(ya + 6 * p, a6, sa.Count, masks); Simd.StoreFirst(yb + 6 * p, c6, sb.Count, masks); Simd.StoreFirst(yc + 6 * p, e6, sc.Count, masks); }
            if (filters > 7) { Simd.StoreFirst(ya + 7 * p, a7, sa.Count, masks); Simd.StoreFirst(yb + 7 * p, c7, sb.Count, masks); Simd.StoreFirst(yc + 7 * p, e7, sc.Count, masks); }
        }
    }

    private static Vector512<T> Relu<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T> => ReluOperator<T>.Invoke(v);
}
