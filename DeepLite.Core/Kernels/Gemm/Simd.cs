using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

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

    /// <summary>Writes the 128-byte table <see cref="StoreFirst"/> reads its masks from.</summary>
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
}
