using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// The AVX2/FMA register tile: 6 rows of A against 2 ymm vectors of B (6 x 16 floats, 6 x 8 doubles),
/// 12 accumulators of the 16 ymm registers.
/// </summary>
internal readonly unsafe struct Avx2MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;
    public static int ColumnStep => NR;

    public static bool IsSupported => System.Runtime.Intrinsics.X86.Fma.IsSupported && Avx2.IsSupported;

    public static bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols) => false;

    public static bool HasStridedForm => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c0_0 = default; Vector256<T> c0_1 = default;
        Vector256<T> c1_0 = default; Vector256<T> c1_1 = default;
        Vector256<T> c2_0 = default; Vector256<T> c2_1 = default;
        Vector256<T> c3_0 = default; Vector256<T> c3_1 = default;
        Vector256<T> c4_0 = default; Vector256<T> c4_1 = default;
        Vector256<T> c5_0 = default; Vector256<T> c5_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load256(b + 0 * w);
            var b1 = Simd.Load256(b + 1 * w);
            var a0 = Simd.Broadcast256(a + 0);
            c0_0 = Simd.Fma(a0, b0, c0_0); c0_1 = Simd.Fma(a0, b1, c0_1);
            var a1 = Simd.Broadcast256(a + 1);
            c1_0 = Simd.Fma(a1, b0, c1_0); c1_1 = Simd.Fma(a1, b1, c1_1);
            var a2 = Simd.Broadcast256(a + 2);
            c2_0 = Simd.Fma(a2, b0, c2_0); c2_1 = Simd.Fma(a2, b1, c2_1);
            var a3 = Simd.Broadcast256(a + 3);
            c3_0 = Simd.Fma(a3, b0, c3_0); c3_1 = Simd.Fma(a3, b1, c3_1);
            var a4 = Simd.Broadcast256(a + 4);
            c4_0 = Simd.Fma(a4, b0, c4_0); c4_1 = Simd.Fma(a4, b1, c4_1);
            var a5 = Simd.Broadcast256(a + 5);
            c5_0 = Simd.Fma(a5, b0, c5_0); c5_1 = Simd.Fma(a5, b1, c5_1);
            a += 6;
            b += 2 * w;
        }
        Simd.Store(c + 0 * ldc + 0 * w, c0_0, add); Simd.Store(c + 0 * ldc + 1 * w, c0_1, add);
        Simd.Store(c + 1 * ldc + 0 * w, c1_0, add); Simd.Store(c + 1 * ldc + 1 * w, c1_1, add);
        Simd.Store(c + 2 * ldc + 0 * w, c2_0, add); Simd.Store(c + 2 * ldc + 1 * w, c2_1, add);
        Simd.Store(c + 3 * ldc + 0 * w, c3_0, add); Simd.Store(c + 3 * ldc + 1 * w, c3_1, add);
        Simd.Store(c + 4 * ldc + 0 * w, c4_0, add); Simd.Store(c + 4 * ldc + 1 * w, c4_1, add);
        Simd.Store(c + 5 * ldc + 0 * w, c5_0, add); Simd.Store(c + 5 * ldc + 1 * w, c5_1, add);
    }
}
