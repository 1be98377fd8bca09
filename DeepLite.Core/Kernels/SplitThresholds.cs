namespace DeepLite.Kernels;

/// <summary>
/// Every size at which DeepLite splits work over the worker pool, in one place. Below its threshold a piece of work
/// runs on the calling thread; the split itself is always <see cref="WorkerPool.For{TBody}"/> (contiguous ranges)
/// or <see cref="WorkerPool.ForElements{TBody}"/> (elementwise, on 64-element boundaries). The measurements behind
/// the values are in benchmarks/README.md; none of them changes a result (every split writes disjoint outputs in a
/// fixed order).
/// </summary>
internal static class SplitThresholds
{
    /// <summary>
    /// GEMMs of fewer multiply-adds (256K, 64³) run on one thread: with the workers spinning between back-to-back
    /// kernels two threads pay from there.
    /// </summary>
    public const long GemmMultiplyAdds = 1 << 18;

    /// <summary>
    /// Elementwise ops (maps, masks, fills, row normalizations) of fewer elements run on one thread. 64K: a GPT's
    /// activations (98K and 393K elements) ran on one core while the other spun, and splitting them took the step from
    /// 38 to 34 ms; 16K was no better (benchmarks/README.md).
    /// </summary>
    public const int ElementwiseElements = 1 << 16;

    /// <summary>
    /// Elementwise functions that cost tens of instructions per element (GELU and its derivative: a division, a
    /// degree-9 polynomial and an exponential) split from 16K elements: there the arithmetic, not memory, decides,
    /// and a share of 8K elements is tens of microseconds against the few of a split (a GPT's MLP activation,
    /// 393K elements, ran single-threaded under <see cref="ElementwiseElements"/>).
    /// </summary>
    public const int CostlyElementwiseElements = 1 << 14;

    /// <summary>
    /// An optimizer updates parameters of fewer elements on one thread: the update streams the parameter, its
    /// gradient and the state through memory, and one core does not saturate it (the 784x128 layer's SGD step).
    /// </summary>
    public const int OptimizerElements = 1 << 15;

    /// <summary>
    /// A zero-filled tensor of fewer elements is cleared on the calling thread with ordinary stores; a larger one goes
    /// through the parallel (and, past <see cref="StreamingFillBytes"/>, streaming) fill.
    /// </summary>
    public const int ZeroFillElements = 1 << 20;

    /// <summary>A batch of fewer pixels is converted from bytes to floats on the calling thread (a data loader's batch).</summary>
    public const int ImagePixels = 1 << 15;

    /// <summary>Gradients of fewer elements are accumulated (added into .Grad) on one thread.</summary>
    public const int GradientAccumulationElements = 1 << 20;

    /// <summary>
    /// Fills of at least this many bytes stream past the caches (non-temporal stores) on every core; below it,
    /// ordinary stores are as fast and leave the data in cache for the next read.
    /// </summary>
    public const int StreamingFillBytes = 16 << 20;
}
