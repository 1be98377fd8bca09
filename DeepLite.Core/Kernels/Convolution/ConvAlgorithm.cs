namespace DeepLite.Kernels.Convolution;

/// <summary>
/// How a convolution's forward pass is computed (the <c>algorithm</c> of <c>Tensor.Conv2D</c> and of the <c>Conv2D</c>
/// layer); its gradients are always chosen by shape, as <see cref="Auto"/> does. A choice the layer's geometry cannot take
/// is refused, naming the geometry. The one enum of the choice: <see cref="ConvPlan"/> decides with it, the ops pass it
/// through.
/// </summary>
public enum ConvAlgorithm
{
    /// <summary>Chosen by shape: <see cref="Direct"/> for few input channels at stride 1, <see cref="Winograd4x4"/> for wide 3x3 stride-1 layers, else <see cref="Im2ColGemm"/>.</summary>
    Auto,
    /// <summary>Unfold the windows (im2col), then one GEMM for the whole batch.</summary>
    Im2ColGemm,
    /// <summary>A register-blocked direct loop over the kernel, vectorized along output rows (stride 1 only).</summary>
    Direct,
    /// <summary>Winograd F(4x4, 3x3): 4x fewer multiply-adds than the direct form, float error near 1e-5 relative (3x3 kernels at stride 1 only).</summary>
    Winograd4x4 = 4,
}
