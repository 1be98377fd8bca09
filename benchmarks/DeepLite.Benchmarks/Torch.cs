using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>TorchSharp set-up shared by the benchmarks: patched native library, two threads, no autograd by default.</summary>
internal static class Torch
{
    private static bool _ready;

    public static void Init()
    {
        if (_ready) return;
        NativePatch.WeakenGlibcxxRequirement();
        set_num_threads(2);
        manual_seed(1);
        _ready = true;
    }

    public static Tensor Randn(params long[] shape) => randn(shape, dtype: ScalarType.Float32);
}
