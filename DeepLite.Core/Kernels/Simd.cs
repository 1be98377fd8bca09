using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels;

/// <summary>
/// Typed intrinsics behind generic signatures: the JIT folds the typeof tests, so one generic
/// micro-kernel serves float and double with no runtime branch.
/// </summary>
internal static unsafe class Simd
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load512<T>(T* p) where T : unmanaged =>
        typeof(T) == typeof(float) ? Avx512F.LoadVector512((float*)p).As<float, T>() : Avx512F.LoadVector512((double*)p).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast512<T>(T* p) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*(float*)p)).As<float, T>()
            : Avx512F.BroadcastScalarToVector512(Vector128.CreateScalarUnsafe(*(double*)p)).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? Avx512F.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Avx512F.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* p, Vector512<T> v, bool add) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            var x = v.AsSingle();
            if (add) x = Avx512F.Add(x, Avx512F.LoadVector512((float*)p));
            Avx512F.Store((float*)p, x);
        }
        else
        {
            var x = v.AsDouble();
            if (add) x = Avx512F.Add(x, Avx512F.LoadVector512((double*)p));
            Avx512F.Store((double*)p, x);
        }
    }

    /// <summary>
    /// Stores (or with <paramref name="add"/>, adds to memory) the first <paramref name="count"/> lanes of
    /// <paramref name="v"/>: a whole vector, a masked store, or nothing. <paramref name="masks"/> holds 64
    /// bytes of ones then 64 of zeros (see <see cref="FillMaskTable"/>); the caller keeps it, so no static
    /// field is read here (a helper call in a kernel's epilogue makes the JIT spill its accumulators on
    /// every definition in the loop).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst<T>(T* p, Vector512<T> v, int count, byte* masks, bool add = false) where T : unmanaged
    {
        if (count == Vector512<T>.Count) { Store(p, v, add); return; }
        if (count <= 0) return;
        var mask = Avx512F.LoadVector512(masks + 64 - count * sizeof(T));
        if (typeof(T) == typeof(float))
        {
            var x = v.AsSingle();
            if (add) x = Avx512F.Add(x, Avx512F.MaskLoad((float*)p, mask.AsSingle(), Vector512<float>.Zero));
            Avx512F.MaskStore((float*)p, mask.AsSingle(), x);
        }
        else
        {
            var x = v.AsDouble();
            if (add) x = Avx512F.Add(x, Avx512F.MaskLoad((double*)p, mask.AsDouble(), Vector512<double>.Zero));
            Avx512F.MaskStore((double*)p, mask.AsDouble(), x);
        }
    }

    /// <summary>Writes the 128-byte table <see cref="StoreFirst{T}(T*, Vector512{T}, int, byte*, bool)"/> reads its masks from.</summary>
    public static void FillMaskTable(byte* masks)
    {
        new Span<byte>(masks, 64).Fill(0xFF);
        new Span<byte>(masks + 64, 64).Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Load256<T>(T* p) where T : unmanaged => Vector256.Load(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Broadcast256<T>(T* p) where T : unmanaged => Vector256.Create(*p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged =>
        typeof(T) == typeof(float)
            ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(T* p, Vector256<T> v, bool add) where T : unmanaged
    {
        if (add) v += Vector256.Load(p);
        v.Store(p);
    }

    /// <summary>
    /// Stores (or with <paramref name="add"/>, adds to memory) the first <paramref name="count"/> lanes of a 256-bit
    /// <paramref name="v"/> through AVX's masked load and store; the mask is a compare against the lane indices, a
    /// constant, so no table is filled per call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst<T>(T* p, Vector256<T> v, int count, bool add = false) where T : unmanaged
    {
        if (count == Vector256<T>.Count) { Store(p, v, add); return; }
        if (count <= 0) return;
        if (typeof(T) == typeof(float))
        {
            var mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
            var x = v.AsSingle();
            if (add) x = Avx.Add(x, Avx.MaskLoad((float*)p, mask));
            Avx.MaskStore((float*)p, mask, x);
        }
        else
        {
            var mask = Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)count)).AsDouble();
            var x = v.AsDouble();
            if (add) x = Avx.Add(x, Avx.MaskLoad((double*)p, mask));
            Avx.MaskStore((double*)p, mask, x);
        }
    }

    /// <summary>
    /// Reads an 8x8 block (8 rows of 8 floats, row stride <paramref name="srcStride"/>) and writes its
    /// transpose (8 rows of 8, row stride <paramref name="dstStride"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(float* src, int srcStride, float* dst, int dstStride)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + srcStride);
        var r2 = Avx.LoadVector256(src + 2L * srcStride); var r3 = Avx.LoadVector256(src + 3L * srcStride);
        var r4 = Avx.LoadVector256(src + 4L * srcStride); var r5 = Avx.LoadVector256(src + 5L * srcStride);
        var r6 = Avx.LoadVector256(src + 6L * srcStride); var r7 = Avx.LoadVector256(src + 7L * srcStride);
        TransposeRows(r0, r1, r2, r3, r4, r5, r6, r7, dst, dstStride);
    }

    /// <summary>
    /// <see cref="Transpose8x8"/> of src masked by <paramref name="mask"/> (same strides): each value where its mask value is
    /// &gt; 0, else 0 (PositiveMaskOperator's rule: a NaN mask value gives 0). A ReLU's gradient, masked as it is transposed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8Masked(float* src, float* mask, int srcStride, float* dst, int dstStride) =>
        TransposeRows(Masked(src, mask), Masked(src + srcStride, mask + srcStride), Masked(src + 2L * srcStride, mask + 2L * srcStride),
            Masked(src + 3L * srcStride, mask + 3L * srcStride), Masked(src + 4L * srcStride, mask + 4L * srcStride),
            Masked(src + 5L * srcStride, mask + 5L * srcStride), Masked(src + 6L * srcStride, mask + 6L * srcStride),
            Masked(src + 7L * srcStride, mask + 7L * srcStride), dst, dstStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Masked(float* src, float* mask) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(Avx.LoadVector256(mask), Vector256<float>.Zero), Avx.LoadVector256(src), Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeRows(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7, float* dst, int dstStride)
    {
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2L * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3L * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4L * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5L * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6L * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7L * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
