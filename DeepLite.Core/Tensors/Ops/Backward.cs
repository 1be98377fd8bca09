using DeepLite.Autograd;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// Backpropagates from this tensor, accumulating gradients into the <see cref="Grad"/> of every leaf
    /// that requires grad. See <see cref="AutoDiff.Backward{T}"/>.
    /// </summary>
    public void Backward(Tensor<T>? seed = null, bool retainGraph = false, bool createGraph = false) =>
        AutoDiff.Backward(this, seed, retainGraph, createGraph);
}
