using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels;

/// <summary>
/// Generic drivers for elementwise operators: full Vector256 blocks, then a scalar tail.
/// Elementwise work is memory-bound, so 256-bit vectors already saturate it; costly functions that write a 512-bit form
/// (<see cref="IUnaryOperator{T}.Vectorizable512"/>) run it first where AVX-512 is.
/// </summary>
internal static class Elementwise
{
    /// <summary>y[i] = op(x[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IUnaryOperator<T>
    {
        if (y.Length != x.Length) throw new ArgumentException("Map: source and destination lengths differ.");
        int i = 0;
        if (TOp.Vectorizable512 && Avx512F.IsSupported)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        }
        if (TOp.Vectorizable && Vector256.IsHardwareAccelerated)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            int w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w)
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] = TOp.Invoke(x[i]);
    }

    /// <summary>z[i] = op(x[i], y[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T, TOp>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
    {
        if (y.Length != x.Length || z.Length != x.Length) throw new ArgumentException("Map: operand lengths differ.");
        int i = 0;
        if (TOp.Vectorizable512 && Avx512F.IsSupported)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            ref T zs = ref MemoryMarshal.GetReference(z);
            for (; i <= x.Length - Vector512<T>.Count; i += Vector512<T>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            ref T zs = ref MemoryMarshal.GetReference(z);
            int w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w)
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        }
        for (; i < x.Length; i++) z[i] = TOp.Invoke(x[i], y[i]);
    }

    /// <summary>
    /// z[i] = op(x[i], y). The scalar on the left, z[i] = op(x, y[i]), is this with <see cref="SwappedOperator{T, TOp}"/>
    /// (TensorPrimitives' pattern): one driver for both.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Map<T, TOp>(ReadOnlySpan<T> x, T y, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IBinaryOperator<T>
    {
        if (z.Length != x.Length) throw new ArgumentException("Map: operand lengths differ.");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T zs = ref MemoryMarshal.GetReference(z);
            var yv = Vector256.Create(y);
            int w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w)
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), yv).StoreUnsafe(ref zs, (nuint)i);
        }
        for (; i < x.Length; i++) z[i] = TOp.Invoke(x[i], y);
    }

    /// <summary>
    /// Sets every element to zero. Small spans are filled with vector stores: Span.Clear writes them with
    /// narrower stores, and a vector load of the cleared memory right after (a gradient accumulated into a
    /// fresh tensor) then stalls on the store-to-load forwarding of the narrow stores.
    /// </summary>
    public static void Zero<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length <= 4096) x.Fill(T.Zero);
        else x.Clear();
    }

    /// <summary>
    /// Sets every element to <paramref name="value"/> with non-temporal stores, which skip the read of each
    /// cache line that an ordinary store does first: for fills far larger than the caches (a conv layer's
    /// 67 MB gradient seed) that halves the memory traffic; for fills that fit, ordinary stores leave the data
    /// in cache for its reader, so callers take this path only for large spans.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void FillNonTemporal<T>(Span<T> x, T value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* p = x)
        {
            int i = 0, n = x.Length;
            while (i < n && ((nint)(p + i) & 63) != 0) p[i++] = value; // aligned stores only
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                var v = Vector512.Create(value).AsSingle();
                for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) System.Runtime.Intrinsics.X86.Avx512F.StoreAlignedNonTemporal((float*)(p + i), v);
            }
            else if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
            {
                var v = Vector256.Create(value).AsSingle();
                for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) System.Runtime.Intrinsics.X86.Avx.StoreAlignedNonTemporal((float*)(p + i), v);
            }
            for (; i < n; i++) p[i] = value;
            // Non-temporal stores are weakly ordered: fence them before another thread may read.
            if (System.Runtime.Intrinsics.X86.Sse.IsSupported) System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
    }

    /// <summary>
    /// Sum of the elements: four vector accumulators (one add's latency no longer bounds the loop), then one,
    /// then the tail; the order depends only on the length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T total = T.Zero;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<T>.Count)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            var acc = Vector256<T>.Zero;
            int w = Vector256<T>.Count;
            if (x.Length >= 4 * w)
            {
                Vector256<T> acc1 = acc, acc2 = acc, acc3 = acc;
                for (; i <= x.Length - 4 * w; i += 4 * w)
                {
                    acc += Vector256.LoadUnsafe(ref xs, (nuint)i);
                    acc1 += Vector256.LoadUnsafe(ref xs, (nuint)(i + w));
                    acc2 += Vector256.LoadUnsafe(ref xs, (nuint)(i + 2 * w));
                    acc3 += Vector256.LoadUnsafe(ref xs, (nuint)(i + 3 * w));
                }
                acc = (acc + acc1) + (acc2 + acc3);
            }
            for (; i <= x.Length - w; i += w) acc += Vector256.LoadUnsafe(ref xs, (nuint)i);
            total = Vector256.Sum(acc);
        }
        for (; i < x.Length; i++) total += x[i];
        return total;
    }

    /// <summary>Sum of x[i] * y[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException("Dot: operand lengths differ.");
        int i = 0;
        T total = T.Zero;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<T>.Count)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            var acc = Vector256<T>.Zero;
            int w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w) acc += Vector256.LoadUnsafe(ref xs, (nuint)i) * Vector256.LoadUnsafe(ref ys, (nuint)i);
            total = Vector256.Sum(acc);
        }
        for (; i < x.Length; i++) total += x[i] * y[i];
        return total;
    }

    /// <summary>y[i] += a * x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled<T>(ReadOnlySpan<T> x, T a, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length != x.Length) throw new ArgumentException("AddScaled: operand lengths differ.");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ys = ref MemoryMarshal.GetReference(y);
            var av = Vector256.Create(a);
            int w = Vector256<T>.Count;
            for (; i <= x.Length - w; i += w)
                (Vector256.LoadUnsafe(ref ys, (nuint)i) + av * Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < x.Length; i++) y[i] += a * x[i];
    }

    /// <summary>
    /// y[i] = x[i] * scale + shift for bytes x (image pixels to floats, normalization folded in). A multiply, then an
    /// add, in both forms: two roundings, never a fused multiply-add, so every element has the scalar form's bits
    /// whatever the vector width. Every batch a data loader yields goes through it, on the training step's path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleBytes(ReadOnlySpan<byte> x, float scale, float shift, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"ScaleBytes: {y.Length} outputs for {x.Length} inputs.");
        int i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 32)
        {
            var vscale = Vector256.Create(scale);
            var vshift = Vector256.Create(shift);
            ref byte xs = ref MemoryMarshal.GetReference(x);
            ref float ys = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - 32; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref xs, (nuint)i));
                var (a, b) = Vector256.Widen(low);
                var (c, d) = Vector256.Widen(high);
                (Vector256.ConvertToSingle(a.AsInt32()) * vscale + vshift).StoreUnsafe(ref ys, (nuint)i);
                (Vector256.ConvertToSingle(b.AsInt32()) * vscale + vshift).StoreUnsafe(ref ys, (nuint)(i + 8));
                (Vector256.ConvertToSingle(c.AsInt32()) * vscale + vshift).StoreUnsafe(ref ys, (nuint)(i + 16));
                (Vector256.ConvertToSingle(d.AsInt32()) * vscale + vshift).StoreUnsafe(ref ys, (nuint)(i + 24));
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] * scale + shift;
    }
}
