namespace DeepLite.Kernels.Convolution;

/// <summary>
/// The convolution kernels a <see cref="ConvPlan"/> chooses among (the public <c>ConvAlgorithm</c> of the ops names the same
/// choices; the ops map one to the other, so that kernels stay below tensors).
/// </summary>
internal enum ConvKernel
{
    /// <summary>Chosen by shape: <see cref="Direct"/> for few input channels at stride 1, <see cref="Winograd4x4"/> for wide 3x3 stride-1 layers, else <see cref="Im2ColGemm"/>.</summary>
    Auto,
    /// <summary>Unfold the windows (im2col), then one GEMM for the whole batch.</summary>
    Im2ColGemm,
    /// <summary>A register-blocked direct loop over the kernel, vectorized along output rows (stride 1 only).</summary>
    Direct,
    /// <summary>Winograd F(2x2, 3x3): 2.25x fewer multiply-adds than the direct form (3x3 kernels at stride 1 only).</summary>
    Winograd,
    /// <summary>Winograd F(4x4, 3x3): 4x fewer multiply-adds than the direct form, float error near 1e-5 relative (3x3 kernels at stride 1 only).</summary>
    Winograd4x4,
}
