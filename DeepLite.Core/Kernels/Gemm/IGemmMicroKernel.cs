using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels.Gemm;

/// <summary>
/// A register-tiled inner kernel: C[MR x NR] (row stride ldc) = (add ? C : 0) + Ap * Bp over kc steps,
/// where Ap holds MR values of A per step and Bp NR values of B per step (the packed layouts).
/// </summary>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract int MR { get; }
    static abstract int NR { get; }

    /// <summary>
    /// The narrowest panel of B the kernel computes without waste (a vector where <see cref="RunStrided"/> computes only
    /// the vectors that hold columns; NR where tiles are computed whole): a block of B no wider is packed that wide.
    /// </summary>
    static abstract int ColumnStep { get; }
    static abstract bool IsSupported { get; }
    static abstract void Run(int kc, T* a, T* b, T* c, int ldc, bool add);

    /// <summary>
    /// The tile's first <paramref name="cols"/> (1..NR) columns straight into C, with row r's A value at step
    /// p at a[r * rowStride + p * step] (a packed panel is rowStride 1, step MR) and B's values at step p from
    /// b + p * bStep (a packed panel: NR; a narrow panel: its width); false when this kernel has no such form (the caller
    /// then packs A and B in whole panels and computes whole tiles).
    /// </summary>
    static abstract bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols);

    /// <summary>True when <see cref="RunStrided"/> does the work (A can then be read in place, unpacked, and B packed in narrow panels).</summary>
    static abstract bool HasStridedForm { get; }

    /// <summary>
    /// True when a transposed A (stored k x m) is packed although <see cref="RunStrided"/> could read it in place: its k
    /// steps are then rows lda apart, a cache line each, and a panel's 256 steps at a 512 B or 2 KB stride fall into
    /// 8 or 2 of a 32 KB L1's 64 sets, so the panel is read from L2 again for every column tile.
    /// </summary>
    static abstract bool PacksTransposedA { get; }
}

/// <summary>The portable fallback tile (4 x 4), plain scalar arithmetic in the same accumulation order.</summary>
internal readonly unsafe struct ScalarMicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 4;
    public static int NR => 4;
    public static int ColumnStep => NR;
    public static bool IsSupported => true;

    public static bool RunStrided(int kc, T* a, long rowStride, long step, T* b, long bStep, T* c, int ldc, bool add, int cols) => false;

    public static bool HasStridedForm => false;

    public static bool PacksTransposedA => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, bool add)
    {
        T* acc = stackalloc T[16];
        for (int i = 0; i < 16; i++) acc[i] = T.Zero;
        for (int p = 0; p < kc; p++, a += 4, b += 4)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    acc[i * 4 + j] = T.FusedMultiplyAdd(a[i], b[j], acc[i * 4 + j]);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                c[i * ldc + j] = add ? c[i * ldc + j] + acc[i * 4 + j] : acc[i * 4 + j];
    }
}
