namespace DeepLite.Kernels.Convolution;

/// <summary>How a convolution's forward pass is computed.</summary>
public enum ConvAlgorithm
{
    /// <summary>Chosen by shape: <see cref="Direct"/> for few input channels at stride 1, else <see cref="Im2ColGemm"/>.</summary>
    Auto,
    /// <summary>Unfold the windows (im2col), then one GEMM for the whole batch.</summary>
    Im2ColGemm,
    /// <summary>A register-blocked direct loop over the kernel, vectorized along output rows (stride 1 only).</summary>
    Direct,
}
