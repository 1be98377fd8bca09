using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// The AVX-512 register tile: 12 rows of A broadcast against 2 zmm vectors of B (12 x 32 floats,
/// 12 x 16 doubles), 24 accumulators of the 32 zmm registers. Uses the Avx512F intrinsics directly,
/// because .NET reports Vector512 as not accelerated on Skylake-SP although the instructions exist.
/// </summary>
internal readonly unsafe struct Avx512MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 12;
    public static int NR => 2 * Vector512<T>.Count;

    public static bool IsSupported => Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c0_0 = default; Vector512<T> c0_1 = default; Vector512<T> c1_0 = default; Vector512<T> c1_1 = default;
        Vector512<T> c2_0 = default; Vector512<T> c2_1 = default; Vector512<T> c3_0 = default; Vector512<T> c3_1 = default;
        Vector512<T> c4_0 = default; Vector512<T> c4_1 = default; Vector512<T> c5_0 = default; Vector512<T> c5_1 = default;
        Vector512<T> c6_0 = default; Vector512<T> c6_1 = default; Vector512<T> c7_0 = default; Vector512<T> c7_1 = default;
        Vector512<T> c8_0 = default; Vector512<T> c8_1 = default; Vector512<T> c9_0 = default; Vector512<T> c9_1 = default;
        Vector512<T> c10_0 = default; Vector512<T> c10_1 = default; Vector512<T> c11_0 = default; Vector512<T> c11_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Simd.Load512(b);
            var b1 = Simd.Load512(b + 1 * w);
            var a0 = Simd.Broadcast512(a + 0);
            c0_0 = Simd.Fma(a0, b0, c0_0); c0_1 = Simd.Fma(a0, b1, c0_1);
            var a1 = Simd.Broadcast512(a + 1);
            c1_0 = Simd.Fma(a1, b0, c1_0); c1_1 = Simd.Fma(a1, b1, c1_1);
            var a2 = Simd.Broadcast512(a + 2);
            c2_0 = Simd.Fma(a2, b0, c2_0); c2_1 = Simd.Fma(a2, b1, c2_1);
            var a3 = Simd.Broadcast512(a + 3);
            c3_0 = Simd.Fma(a3, b0, c3_0); c3_1 = Simd.Fma(a3, b1, c3_1);
            var a4 = Simd.Broadcast512(a + 4);
            c4_0 = Simd.Fma(a4, b0, c4_0); c4_1 = Simd.Fma(a4, b1, c4_1);
            var a5 = Simd.Broadcast512(a + 5);
            c5_0 = Simd.Fma(a5, b0, c5_0); c5_1 = Simd.Fma(a5, b1, c5_1);
            var a6 = Simd.Broadcast512(a + 6);
            c6_0 = Simd.Fma(a6, b0, c6_0); c6_1 = Simd.Fma(a6, b1, c6_1);
            var a7 = Simd.Broadcast512(a + 7);
            c7_0 = Simd.Fma(a7, b0, c7_0); c7_1 = Simd.Fma(a7, b1, c7_1);
            var a8 = Simd.Broadcast512(a + 8);
            c8_0 = Simd.Fma(a8, b0, c8_0); c8_1 = Simd.Fma(a8, b1, c8_1);
            var a9 = Simd.Broadcast512(a + 9);
            c9_0 = Simd.Fma(a9, b0, c9_0); c9_1 = Simd.Fma(a9, b1, c9_1);
            var a10 = Simd.Broadcast512(a + 10);
            c10_0 = Simd.Fma(a10, b0, c10_0); c10_1 = Simd.Fma(a10, b1, c10_1);
            var a11 = Simd.Broadcast512(a + 11);
            c11_0 = Simd.Fma(a11, b0, c11_0); c11_1 = Simd.Fma(a11, b1, c11_1);
            a += 12;
            b += 2 * w;
        }
        Simd.Store(c + 0 * ldc + 0 * w, c0_0, add); Simd.Store(c + 0 * ldc + 1 * w, c0_1, add);
        Simd.Store(c + 1 * ldc + 0 * w, c1_0, add); Simd.Store(c + 1 * ldc + 1 * w, c1_1, add);
        Simd.Store(c + 2 * ldc + 0 * w, c2_0, add); Simd.Store(c + 2 * ldc + 1 * w, c2_1, add);
        Simd.Store(c + 3 * ldc + 0 * w, c3_0, add); Simd.Store(c + 3 * ldc + 1 * w, c3_1, add);
        Simd.Store(c + 4 * ldc + 0 * w, c4_0, add); Simd.Store(c + 4 * ldc + 1 * w, c4_1, add);
        Simd.Store(c + 5 * ldc + 0 * w, c5_0, add); Simd.Store(c + 5 * ldc + 1 * w, c5_1, add);
        Simd.Store(c + 6 * ldc + 0 * w, c6_0, add); Simd.Store(c + 6 * ldc + 1 * w, c6_1, add);
        Simd.Store(c + 7 * ldc + 0 * w, c7_0, add); Simd.Store(c + 7 * ldc + 1 * w, c7_1, add);
        Simd.Store(c + 8 * ldc + 0 * w, c8_0, add); Simd.Store(c + 8 * ldc + 1 * w, c8_1, add);
        Simd.Store(c + 9 * ldc + 0 * w, c9_0, add); Simd.Store(c + 9 * ldc + 1 * w, c9_1, add);
        Simd.Store(c + 10 * ldc + 0 * w, c10_0, add); Simd.Store(c + 10 * ldc + 1 * w, c10_1, add);
        Simd.Store(c + 11 * ldc + 0 * w, c11_0, add); Simd.Store(c + 11 * ldc + 1 * w, c11_1, add);
    }
}
