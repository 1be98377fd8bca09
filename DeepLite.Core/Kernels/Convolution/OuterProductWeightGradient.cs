using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The AVX-512 weight gradient of a thin convolution (stride 1, few input channels), as outer products:
/// dW[f, tap] = Σ_p dY[f, p] · X_tap[p]. A block of dY rows is transposed to pixel-major order ([p][F],
/// the filters along the vector), so each step loads the filters' vectors for one pixel and broadcasts
/// that pixel's input at six or twelve taps into 24 zmm accumulators: 10 or 14 loads per 24 FMAs, which
/// keeps the FMA units busy, where the AVX2 row kernel (<see cref="DirectWeightGradient"/>) loads 7
/// vectors per 12 FMAs from planes that do not fit L1 and is bound by those loads. The transposed block is
/// sized to stay in L1 while every tap group passes over it.
/// </summary>
/// <remarks>
/// Taps go in segments of three horizontal shifts of one input row (c, i, j0..j0+2); the bias gradient is
/// one more segment over a row of ones. A kernel step covers 2 segments by 4 filter vectors or 4 segments
/// by 2 filter vectors (for at most 2 vectors of filters, as 1->32); missing segments read a row of zeros
/// and shifts past the kernel's width are never stored. Samples go in fixed chunks whose partial sums are
/// added in chunk order, so the result is the same for any thread count.
/// </remarks>
internal static unsafe class OuterProductWeightGradient
{
    private const int SamplesPerChunk = 4, Shifts = 3;
    private const int BlockBytes = 16 << 10; // the transposed dY block, with the accumulators, stays in L1

    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>
    /// dW (and dB into <paramref name="gb"/> when given) for dY = <paramref name="gy"/>; with <paramref name="positive"/>,
    /// for dY masked by it (dY where positive &gt; 0, else 0: a ReLU's gradient, by its output), masked as the blocks are
    /// transposed, so the masked dY is never written.
    /// </summary>
    public static void Compute<T>(T[] x, int xOffset, T[] gy, int gyOffset, ConvGeometry g, T[] gw, T[]? gb, T[]? positive = null, int positiveOffset = 0)
        where T : unmanaged, IFloatingPointIeee754<T> => Run(x, xOffset, gy, gyOffset, positive, positiveOffset, null, g, gw, gb);

    /// <summary>
    /// dW (and dB into <paramref name="gb"/> when given) for the dY that a 2x2 max pooling over the ReLU'd output routes
    /// back (<paramref name="pooled"/>): each pooled gradient at its window's winner, masked by the pooled value (the
    /// winner's ReLU output), zero elsewhere. That dY is built a sample's filter block at a time in a per-thread buffer,
    /// so the whole of it is never written; the values are those of the unfused ops (0 + g at the winner, as their scatter
    /// into a cleared plane gives), summed in the same order.
    /// </summary>
    public static void ComputePooled<T>(T[] x, int xOffset, PooledGradient<T> pooled, ConvGeometry g, T[] gw, T[]? gb)
        where T : unmanaged, IFloatingPointIeee754<T> => Run(x, xOffset, null, 0, null, 0, pooled, g, gw, gb);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T>(T[] x, int xOffset, T[]? gy, int gyOffset, T[]? positive, int positiveOffset, PooledGradient<T>? pooled, ConvGeometry g, T[] gw, T[]? gb)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        int vectorsPerStep = (g.F + w - 1) / w <= 2 ? 2 : 4, segmentsPerStep = vectorsPerStep == 2 ? 4 : 2;
        int blockFilters = vectorsPerStep * w, fp = (g.F + blockFilters - 1) / blockFilters * blockFilters;
        int ph = g.OH + g.KH - 1, pw = g.OW + g.KW + Shifts;                 // room for every shifted read
        int image = g.C * ph * pw, onesRow = image, zeroRow = image + pw;    // the padded sample, then two constant rows
        var segments = SegmentCache<T>.For(g, gb is not null, segmentsPerStep, ph, pw, onesRow, zeroRow);
        int rows = Math.Clamp(BlockBytes / Unsafe.SizeOf<T>() / (g.OW * blockFilters), 1, g.OH);
        int stride = segments.Length * Shifts * fp, chunks = (g.N + SamplesPerChunk - 1) / SamplesPerChunk;
        var partials = Workspace<T>.Get(WorkspaceSlot.PartialSums, chunks * stride);
        WorkerPool.For(chunks, (c0, c1) =>
        {
            var padded = Workspace<T>.Get(WorkspaceSlot.PaddedInput, image + 2 * pw);
            var block = Workspace<T>.Get(WorkspaceSlot.PaddedGradient, rows * g.OW * blockFilters);
            // The pooled gradient's dY planes of a sample's filter block, built whole, each pooled plane read in order (a row
            // block at a time they were 64 strided streams per array, a cache miss each, half the pass), then transposed
            // a block of rows at a time from L2 as dY is.
            var unpooled = pooled is null ? null : Workspace<T>.Get(WorkspaceSlot.ConvOutputBlock, g.OutputPixels * blockFilters);
            byte* masks = stackalloc byte[128];
            Simd.FillMaskTable(masks);
            var source = pooled.GetValueOrDefault();
            padded.AsSpan(onesRow, pw).Fill(T.One);
            padded.AsSpan(zeroRow, pw).Clear();
            fixed (T* px = padded) fixed (T* pb = block) fixed (T* pg = gy) fixed (T* pp = partials) fixed (T* pm = positive) fixed (T* pu = unpooled)
                for (int chunk = c0; chunk < c1; chunk++)
                {
                    T* part = pp + (long)chunk * stride;
                    new Span<T>(part, stride).Clear();
                    for (int n = chunk * SamplesPerChunk; n < Math.Min(g.N, (chunk + 1) * SamplesPerChunk); n++)
                    {
                        DirectConvolution.Pad(x, xOffset + n * g.C * g.H * g.W, g, padded, ph, pw);
                        T* dy = pg + gyOffset + (long)n * g.F * g.OutputPixels;
                        T* mask = pm == null ? null : pm + positiveOffset + (long)n * g.F * g.OutputPixels;
                        // A step's filters at a time, so the transpose reads blockFilters planes in runs of rows x OW
                        // (all F planes a row at a time were F streams of one row each: 14 % of a 1->612@28 layer's
                        // training step went to that transpose's cache misses).
                        for (int f0 = 0; f0 < fp; f0 += blockFilters)
                        {
                            int filters = Math.Min(blockFilters, g.F - f0);
                            if (pu != null) Unpool(source, n, f0, filters, g, pu, masks);
                            for (int oh0 = 0; oh0 < g.OH; oh0 += rows)
                            {
                                int count = Math.Min(rows, g.OH - oh0);
                                long at = (long)f0 * g.OutputPixels + oh0 * g.OW;
                                if (pu != null) Transpose(pu + oh0 * g.OW, null, filters, g.OutputPixels, count * g.OW, pb, blockFilters);
                                else Transpose(dy + at, mask == null ? null : mask + at, filters, g.OutputPixels, count * g.OW, pb, blockFilters);
                                if (filters < blockFilters) // filters past F read zeros
                                    for (int p = 0; p < count * g.OW; p++) new Span<T>(pb + (long)p * blockFilters + filters, blockFilters - filters).Clear();
                                for (int s = 0; s < segments.Length; s += segmentsPerStep)
                                {
                                    T* acc = part + (long)s * Shifts * fp + f0;
                                    if (vectorsPerStep == 4) StepFour(px, segments, s, oh0, count, g.OW, pb, blockFilters, acc, fp);
                                    else StepTwo(px, segments, s, oh0, count, g.OW, pb, blockFilters, acc, fp);
                                }
                            }
                        }
                    }
                }
        });
        // Chunk partial sums in a fixed order, then from [segment][shift][filter] to [filter][c, i, j].
        for (int s = 0; s < segments.Length; s++)
        {
            var (_, _, tap, taps) = segments[s];
            for (int k = 0; k < taps; k++)
                for (int f = 0; f < g.F; f++)
                {
                    int at = (s * Shifts + k) * fp + f;
                    T sum = partials[at];
                    for (int chunk = 1; chunk < chunks; chunk++) sum += partials[chunk * stride + at];
                    if (tap >= 0) gw[f * g.PatchSize + tap + k] = sum;
                    else gb![f] = sum;
                }
        }
    }

    /// <summary>
    /// Three shifts of one row: the row's offset in the padded buffer for output row 0, its step per output
    /// row (0 for the constant rows), its first tap (c, i, j0) as an index into C·KH·KW (-1 for the bias)
    /// and how many of its shifts are taps.
    /// </summary>
    private readonly record struct Segment(int Offset, int RowStep, int Tap, int Taps);

    /// <summary>The segments of the last geometry, per thread (built per call they were allocations of every training step).</summary>
    private static class SegmentCache<T> where T : unmanaged
    {
        [ThreadStatic] private static (ConvGeometry Key, bool Bias, Segment[] Segments)? _last;

        public static Segment[] For(ConvGeometry g, bool bias, int perStep, int ph, int pw, int onesRow, int zeroRow)
        {
            var key = g with { N = 0 };
            if (_last is { } last && last.Key == key && last.Bias == bias) return last.Segments;
            var segments = Segments(g, bias, perStep, ph, pw, onesRow, zeroRow);
            _last = (key, bias, segments);
            return segments;
        }
    }

    private static Segment[] Segments(ConvGeometry g, bool bias, int perStep, int ph, int pw, int onesRow, int zeroRow)
    {
        var list = new List<Segment>();
        for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.KH; i++)
                for (int j0 = 0; j0 < g.KW; j0 += Shifts)
                    list.Add(new Segment((c * ph + i) * pw + j0, pw, (c * g.KH + i) * g.KW + j0, Math.Min(Shifts, g.KW - j0)));
        if (bias) list.Add(new Segment(onesRow, 0, -1, 1));
        while (list.Count % perStep != 0) list.Add(new Segment(zeroRow, 0, 0, 0));
        return [.. list];
    }

    /// <summary>
    /// dY[f, p0 .. p0 + pixels) for <paramref name="filters"/> filters (plane stride <paramref name="plane"/>) into
    /// block[p][f] (row stride <paramref name="fp"/>), masked by <paramref name="mask"/> (same layout as dY) when it is
    /// not null; 8x8 register transposes for float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose<T>(T* dy, T* mask, int filters, int plane, int pixels, T* block, int fp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int f = 0, full = pixels & ~7;
        if (typeof(T) == typeof(float) && Avx.IsSupported)
            for (; f + 8 <= filters; f += 8)
            {
                for (int p = 0; p < full; p += 8)
                {
                    long from = (long)f * plane + p;
                    if (mask == null) Simd.Transpose8x8((float*)dy + from, plane, (float*)block + (long)p * fp + f, fp);
                    else Simd.Transpose8x8Masked((float*)dy + from, (float*)mask + from, plane, (float*)block + (long)p * fp + f, fp);
                }
                for (int p = full; p < pixels; p++)
                    for (int q = f; q < f + 8; q++) block[(long)p * fp + q] = Value(dy, mask, (long)q * plane + p);
            }
        for (; f < filters; f++)
            for (int p = 0; p < pixels; p++) block[(long)p * fp + f] = Value(dy, mask, (long)f * plane + p);

        static T Value(T* dy, T* mask, long at) => mask == null ? dy[at] : PositiveMaskOperator<T>.Invoke(mask[at], dy[at]);
    }

    /// <summary>
    /// The dY planes of sample <paramref name="n"/>'s filters f0 .. f0 + filters that the pooling routes back, filter-major
    /// ([f][OH x OW]) into <paramref name="dst"/>: zero but at each window's winner, which gets its pooled gradient masked
    /// by its pooled value (the winner's ReLU output), 0 + g as the unfused scatter into a cleared plane gives. Float on
    /// AVX-512 runs sixteen windows a step (<see cref="UnpoolFloat"/>); the scalar loop below is the same rule.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unpool<T>(PooledGradient<T> s, int n, int f0, int filters, ConvGeometry g, T* dst, byte* masks)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported)
        {
            UnpoolFloat(Unsafe.As<PooledGradient<T>, PooledGradient<float>>(ref s), n, f0, filters, g, (float*)dst, masks);
            return;
        }
        int plane = g.OutputPixels, pooledPlane = s.Pool.OH * s.Pool.OW;
        new Span<T>(dst, filters * plane).Clear(); // the positions no window covers stay zero
        for (int f = 0; f < filters; f++)
        {
            int planeIndex = n * g.F + f0 + f;
            for (int o = planeIndex * pooledPlane, end = o + pooledPlane; o < end; o++)
                dst[(long)f * plane + s.Argmax[o] - planeIndex * plane] =
                    PositiveMaskOperator<T>.Invoke(s.Pooled[s.PooledOffset + o], T.Zero + s.Gradient[s.GradientOffset + o]);
        }
    }

    /// <summary>
    /// The dY planes of sample <paramref name="n"/>'s filters f0 .. f0 + filters that the pooling routes back, filter-major
    /// ([f][OH x OW]) into <paramref name="dst"/>, sixteen windows a step: each pooled gradient,
    /// masked by its pooled value, goes to the one of its window's four positions that won, zeros to the other three, and
    /// the window columns are interleaved back into the two rows: <see cref="Unpool{T}"/>'s float form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnpoolFloat(PooledGradient<float> s, int n, int f0, int filters, ConvGeometry g, float* dst, byte* masks)
    {
        int width = g.OW, plane = g.OutputPixels, pooledPlane = s.Pool.OH * s.Pool.OW;
        var columns = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var right = Vector512<int>.One; var below = Vector512.Create(width); var belowRight = Vector512.Create(width + 1);
        fixed (float* pg = s.Gradient) fixed (float* pp = s.Pooled) fixed (int* pa = s.Argmax)
            for (int f = 0; f < filters; f++)
            {
                int planeIndex = n * g.F + f0 + f;
                float* planeOut = dst + (long)f * plane;
                new Span<float>(planeOut, plane).Clear(); // the positions no window covers stay zero
                for (int pr = 0; pr < s.Pool.OH; pr++)
                {
                    float* r0 = planeOut + (long)2 * pr * width, r1 = r0 + width;
                    for (int pc = 0; pc < s.Pool.OW; pc += 16)
                    {
                        int count = Math.Min(16, s.Pool.OW - pc), o = planeIndex * pooledPlane + pr * s.Pool.OW + pc;
                        var mask = Avx512F.LoadVector512(masks + 64 - count * 4);
                        var gv = Avx512F.MaskLoad(pg + s.GradientOffset + o, mask.AsSingle(), Vector512<float>.Zero);
                        var pv = Avx512F.MaskLoad(pp + s.PooledOffset + o, mask.AsSingle(), Vector512<float>.Zero);
                        var won = Avx512F.MaskLoad(pa + o, mask.AsInt32(), Vector512<int>.Zero)
                            - (Vector512.Create(planeIndex * plane + 2 * pr * width + 2 * pc) + columns); // 0, 1, W or W + 1
                        // PositiveMaskOperator's rule, on 0 + g as the unfused scatter into a cleared plane gives.
                        var v = Vector512.ConditionalSelect(Avx512F.CompareGreaterThan(pv, Vector512<float>.Zero), Vector512<float>.Zero + gv, Vector512<float>.Zero);
                        var topLeft = Vector512.ConditionalSelect(Vector512.Equals(won, Vector512<int>.Zero).AsSingle(), v, Vector512<float>.Zero);
                        var topRight = Vector512.ConditionalSelect(Vector512.Equals(won, right).AsSingle(), v, Vector512<float>.Zero);
                        var bottomLeft = Vector512.ConditionalSelect(Vector512.Equals(won, below).AsSingle(), v, Vector512<float>.Zero);
                        var bottomRight = Vector512.ConditionalSelect(Vector512.Equals(won, belowRight).AsSingle(), v, Vector512<float>.Zero);
                        // 2·count values a row: the first vector's first min(2·count, 16), the second's rest.
                        int first = Math.Min(2 * count, 16), second = 2 * count - first;
                        Simd.StoreFirst(r0 + 2 * pc, Avx512F.PermuteVar16x32x2(topLeft, low, topRight), first, masks);
                        Simd.StoreFirst(r0 + 2 * pc + 16, Avx512F.PermuteVar16x32x2(topLeft, high, topRight), second, masks);
                        Simd.StoreFirst(r1 + 2 * pc, Avx512F.PermuteVar16x32x2(bottomLeft, low, bottomRight), first, masks);
                        Simd.StoreFirst(r1 + 2 * pc + 16, Avx512F.PermuteVar16x32x2(bottomLeft, high, bottomRight), second, masks);
                    }
                }
            }
    }

    /// <summary>
    /// Two segments (six taps) by four filter vectors: 24 accumulators, 4 + 6 loads per 24 FMAs. dY's block is [p][filter]
    /// with row stride <paramref name="dyStride"/>, the accumulators [tap][filter] with row stride <paramref name="fp"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StepFour<T>(T* x, Segment[] segments, int s, int oh0, int rows, int ow, T* dy, int dyStride, T* acc, int fp) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        T* r0 = acc, r1 = acc + fp, r2 = acc + 2 * fp, r3 = acc + 3 * fp, r4 = acc + 4 * fp, r5 = acc + 5 * fp;
        var a00 = Simd.Load512(r0); var a01 = Simd.Load512(r0 + w); var a02 = Simd.Load512(r0 + 2 * w); var a03 = Simd.Load512(r0 + 3 * w);
        var a10 = Simd.Load512(r1); var a11 = Simd.Load512(r1 + w); var a12 = Simd.Load512(r1 + 2 * w); var a13 = Simd.Load512(r1 + 3 * w);
        var a20 = Simd.Load512(r2); var a21 = Simd.Load512(r2 + w); var a22 = Simd.Load512(r2 + 2 * w); var a23 = Simd.Load512(r2 + 3 * w);
        var a30 = Simd.Load512(r3); var a31 = Simd.Load512(r3 + w); var a32 = Simd.Load512(r3 + 2 * w); var a33 = Simd.Load512(r3 + 3 * w);
        var a40 = Simd.Load512(r4); var a41 = Simd.Load512(r4 + w); var a42 = Simd.Load512(r4 + 2 * w); var a43 = Simd.Load512(r4 + 3 * w);
        var a50 = Simd.Load512(r5); var a51 = Simd.Load512(r5 + w); var a52 = Simd.Load512(r5 + 2 * w); var a53 = Simd.Load512(r5 + 3 * w);
        Segment sa = segments[s], sb = segments[s + 1];
        for (int r = 0; r < rows; r++)
        {
            T* xa = x + sa.Offset + (long)(oh0 + r) * sa.RowStep, xb = x + sb.Offset + (long)(oh0 + r) * sb.RowStep;
            T* d = dy + (long)r * ow * dyStride;
            for (int p = 0; p < ow; p++, d += dyStride)
            {
                var d0 = Simd.Load512(d); var d1 = Simd.Load512(d + w); var d2 = Simd.Load512(d + 2 * w); var d3 = Simd.Load512(d + 3 * w);
                var b = Simd.Broadcast512(xa + p);
                a00 = Simd.Fma(b, d0, a00); a01 = Simd.Fma(b, d1, a01); a02 = Simd.Fma(b, d2, a02); a03 = Simd.Fma(b, d3, a03);
                b = Simd.Broadcast512(xa + p + 1);
                a10 = Simd.Fma(b, d0, a10); a11 = Simd.Fma(b, d1, a11); a12 = Simd.Fma(b, d2, a12); a13 = Simd.Fma(b, d3, a13);
                b = Simd.Broadcast512(xa + p + 2);
                a20 = Simd.Fma(b, d0, a20); a21 = Simd.Fma(b, d1, a21); a22 = Simd.Fma(b, d2, a22); a23 = Simd.Fma(b, d3, a23);
                b = Simd.Broadcast512(xb + p);
                a30 = Simd.Fma(b, d0, a30); a31 = Simd.Fma(b, d1, a31); a32 = Simd.Fma(b, d2, a32); a33 = Simd.Fma(b, d3, a33);
                b = Simd.Broadcast512(xb + p + 1);
                a40 = Simd.Fma(b, d0, a40); a41 = Simd.Fma(b, d1, a41); a42 = Simd.Fma(b, d2, a42); a43 = Simd.Fma(b, d3, a43);
                b = Simd.Broadcast512(xb + p + 2);
                a50 = Simd.Fma(b, d0, a50); a51 = Simd.Fma(b, d1, a51); a52 = Simd.Fma(b, d2, a52); a53 = Simd.Fma(b, d3, a53);
            }
        }
        Simd.Store(r0, a00, false); Simd.Store(r0 + w, a01, false); Simd.Store(r0 + 2 * w, a02, false); Simd.Store(r0 + 3 * w, a03, false);
        Simd.Store(r1, a10, false); Simd.Store(r1 + w, a11, false); Simd.Store(r1 + 2 * w, a12, false); Simd.Store(r1 + 3 * w, a13, false);
        Simd.Store(r2, a20, false); Simd.Store(r2 + w, a21, false); Simd.Store(r2 + 2 * w, a22, false); Simd.Store(r2 + 3 * w, a23, false);
        Simd.Store(r3, a30, false); Simd.Store(r3 + w, a31, false); Simd.Store(r3 + 2 * w, a32, false); Simd.Store(r3 + 3 * w, a33, false);
        Simd.Store(r4, a40, false); Simd.Store(r4 + w, a41, false); Simd.Store(r4 + 2 * w, a42, false); Simd.Store(r4 + 3 * w, a43, false);
        Simd.Store(r5, a50, false); Simd.Store(r5 + w, a51, false); Simd.Store(r5 + 2 * w, a52, false); Simd.Store(r5 + 3 * w, a53, false);
    }

    /// <summary>Four segments (twelve taps) by two filter vectors: 24 accumulators, 2 + 12 loads per 24 FMAs (strides as <see cref="StepFour{T}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StepTwo<T>(T* x, Segment[] segments, int s, int oh0, int rows, int ow, T* dy, int dyStride, T* acc, int fp) where T : unmanaged
    {
        int w = Vector512<T>.Count;
        T* r0 = acc, r1 = acc + fp, r2 = acc + 2 * fp, r3 = acc + 3 * fp, r4 = acc + 4 * fp, r5 = acc + 5 * fp;
        T* r6 = acc + 6 * fp, r7 = acc + 7 * fp, r8 = acc + 8 * fp, r9 = acc + 9 * fp, r10 = acc + 10 * fp, r11 = acc + 11 * fp;
        var a00 = Simd.Load512(r0); var a01 = Simd.Load512(r0 + w); var a10 = Simd.Load512(r1); var a11 = Simd.Load512(r1 + w);
        var a20 = Simd.Load512(r2); var a21 = Simd.Load512(r2 + w); var a30 = Simd.Load512(r3); var a31 = Simd.Load512(r3 + w);
        var a40 = Simd.Load512(r4); var a41 = Simd.Load512(r4 + w); var a50 = Simd.Load512(r5); var a51 = Simd.Load512(r5 + w);
        var a60 = Simd.Load512(r6); var a61 = Simd.Load512(r6 + w); var a70 = Simd.Load512(r7); var a71 = Simd.Load512(r7 + w);
        var a80 = Simd.Load512(r8); var a81 = Simd.Load512(r8 + w); var a90 = Simd.Load512(r9); var a91 = Simd.Load512(r9 + w);
        var aA0 = Simd.Load512(r10); var aA1 = Simd.Load512(r10 + w); var aB0 = Simd.Load512(r11); var aB1 = Simd.Load512(r11 + w);
        Segment sa = segments[s], sb = segments[s + 1], sc = segments[s + 2], sd = segments[s + 3];
        for (int r = 0; r < rows; r++)
        {
            long row = oh0 + r;
            T* xa = x + sa.Offset + row * sa.RowStep, xb = x + sb.Offset + row * sb.RowStep;
            T* xc = x + sc.Offset + row * sc.RowStep, xd = x + sd.Offset + row * sd.RowStep;
            T* d = dy + (long)r * ow * dyStride;
            for (int p = 0; p < ow; p++, d += dyStride)
            {
                var d0 = Simd.Load512(d); var d1 = Simd.Load512(d + w);
                var b = Simd.Broadcast512(xa + p); a00 = Simd.Fma(b, d0, a00); a01 = Simd.Fma(b, d1, a01);
                b = Simd.Broadcast512(xa + p + 1); a10 = Simd.Fma(b, d0, a10); a11 = Simd.Fma(b, d1, a11);
                b = Simd.Broadcast512(xa + p + 2); a20 = Simd.Fma(b, d0, a20); a21 = Simd.Fma(b, d1, a21);
                b = Simd.Broadcast512(xb + p); a30 = Simd.Fma(b, d0, a30); a31 = Simd.Fma(b, d1, a31);
                b = Simd.Broadcast512(xb + p + 1); a40 = Simd.Fma(b, d0, a40); a41 = Simd.Fma(b, d1, a41);
                b = Simd.Broadcast512(xb + p + 2); a50 = Simd.Fma(b, d0, a50); a51 = Simd.Fma(b, d1, a51);
                b = Simd.Broadcast512(xc + p); a60 = Simd.Fma(b, d0, a60); a61 = Simd.Fma(b, d1, a61);
                b = Simd.Broadcast512(xc + p + 1); a70 = Simd.Fma(b, d0, a70); a71 = Simd.Fma(b, d1, a71);
                b = Simd.Broadcast512(xc + p + 2); a80 = Simd.Fma(b, d0, a80); a81 = Simd.Fma(b, d1, a81);
                b = Simd.Broadcast512(xd + p); a90 = Simd.Fma(b, d0, a90); a91 = Simd.Fma(b, d1, a91);
                b = Simd.Broadcast512(xd + p + 1); aA0 = Simd.Fma(b, d0, aA0); aA1 = Simd.Fma(b, d1, aA1);
                b = Simd.Broadcast512(xd + p + 2); aB0 = Simd.Fma(b, d0, aB0); aB1 = Simd.Fma(b, d1, aB1);
            }
        }
        Simd.Store(r0, a00, false); Simd.Store(r0 + w, a01, false); Simd.Store(r1, a10, false); Simd.Store(r1 + w, a11, false);
        Simd.Store(r2, a20, false); Simd.Store(r2 + w, a21, false); Simd.Store(r3, a30, false); Simd.Store(r3 + w, a31, false);
        Simd.Store(r4, a40, false); Simd.Store(r4 + w, a41, false); Simd.Store(r5, a50, false); Simd.Store(r5 + w, a51, false);
        Simd.Store(r6, a60, false); Simd.Store(r6 + w, a61, false); Simd.Store(r7, a70, false); Simd.Store(r7 + w, a71, false);
        Simd.Store(r8, a80, false); Simd.Store(r8 + w, a81, false); Simd.Store(r9, a90, false); Simd.Store(r9 + w, a91, false);
        Simd.Store(r10, aA0, false); Simd.Store(r10 + w, aA1, false); Simd.Store(r11, aB0, false); Simd.Store(r11 + w, aB1, false);
    }
}

/// <summary>
/// A 2x2 max pooling's gradient over a ReLU'd convolution output, as the fused first layer keeps it: the pooled
/// gradient and values (from their offsets, [N, F, Pool.OH, Pool.OW]), each window's winner as a flat index into the
/// convolution's output [N, F, OH, OW], and the pooling's geometry (its input is that output).
/// </summary>
internal readonly record struct PooledGradient<T>(T[] Gradient, int GradientOffset, T[] Pooled, int PooledOffset, int[] Argmax, ConvGeometry Pool);
