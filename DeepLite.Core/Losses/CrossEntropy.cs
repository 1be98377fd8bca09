using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Losses;

public static partial class Loss
{
    /// <summary>
    /// Cross-entropy of softmax(logits) against class indices with PyTorch's options (<c>F.cross_entropy(logits, target,
    /// weight, ignore_index, reduction, label_smoothing)</c>), for logits [N, C]:
    /// <list type="bullet">
    /// <item><paramref name="classWeights"/> [C] weighs each sample's term by its class's weight w[yᵢ];</item>
    /// <item>a label equal to <paramref name="ignoreIndex"/> (PyTorch's default -100) contributes nothing;</item>
    /// <item><paramref name="labelSmoothing"/> ε mixes the target with the uniform distribution: (1 - ε)·(-log pᵢ,yᵢ) +
    /// ε/C·Σ_c(-log pᵢ,c), each class c weighted by w[c] in the smoothing term;</item>
    /// <item>the mean divides by Σ w[yᵢ] over the samples not ignored (by their count without weights), PyTorch's rule; a
    /// batch whose every label is ignored gives NaN, as PyTorch.</item>
    /// </list>
    /// It is the fused, stable <see cref="SoftmaxCrossEntropy{T}(Tensor{T}, Tensor{T}, Reduction)"/> against these weighted targets.
    /// </summary>
    public static Tensor<T> CrossEntropy<T>(Tensor<T> logits, ReadOnlySpan<int> labels, Tensor<T>? classWeights = null, int ignoreIndex = -100,
        double labelSmoothing = 0, Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckLogits(logits, "CrossEntropy");
        if (!(labelSmoothing is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"CrossEntropy: label smoothing must be in [0, 1], got {labelSmoothing}.");
        var (targets, total) = WeightedTargets(logits, labels, classWeights, ignoreIndex, labelSmoothing, "CrossEntropy");
        var sum = SoftmaxCrossEntropy(logits, targets, Reduction.Sum);
        return reduction == Reduction.Mean ? sum.MultiplyScalar(T.One / total) : sum;
    }

    /// <summary>
    /// The negative log-likelihood of class indices under log-probabilities [N, C] (PyTorch's <c>F.nll_loss(log_probs,
    /// target, weight, ignore_index, reduction)</c>): -w[yᵢ]·log_probs[i, yᵢ], summed or averaged over Σ w[yᵢ] of the samples
    /// not ignored. With <c>x.LogSoftmax()</c> as input it is <see cref="CrossEntropy{T}"/>.
    /// </summary>
    public static Tensor<T> NllLoss<T>(Tensor<T> logProbabilities, ReadOnlySpan<int> labels, Tensor<T>? classWeights = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLogits(logProbabilities, "NllLoss");
        var (targets, total) = WeightedTargets(logProbabilities, labels, classWeights, ignoreIndex, 0, "NllLoss");
        var sum = -(logProbabilities * targets).Sum();
        return reduction == Reduction.Mean ? sum.MultiplyScalar(T.One / total) : sum;
    }

    /// <summary>
    /// The targets [N, C] whose cross-entropy sum is the loss's numerator, and the mean's divisor: row i is w[yᵢ](1 - ε)
    /// at yᵢ plus ε/C·w[c] at every c, zero for an ignored sample; the divisor is Σ w[yᵢ] over the others.
    /// </summary>
    private static (Tensor<T> Targets, T Divisor) WeightedTargets<T>(Tensor<T> logits, ReadOnlySpan<int> labels, Tensor<T>? classWeights, int ignoreIndex,
        double labelSmoothing, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = logits.Shape[0], c = logits.Shape[1];
        if (labels.Length != n) throw new ArgumentException($"{op}: {labels.Length} labels for an input of shape {logits.Shape} ({n} rows).");
        if (classWeights is not null && classWeights.Shape != new Shape(c))
            throw new ArgumentException($"{op}: class weights of shape {classWeights.Shape} should be [{c}] for an input of shape {logits.Shape}.");
        var w = classWeights?.ToArray();
        T smooth = T.CreateChecked(labelSmoothing / c), keep = T.CreateChecked(1 - labelSmoothing), divisor = T.Zero;
        // From the pool (inside a step's scope, a buffer of the last step's; cleared here): a fresh zeroed array per call
        // was a large-object allocation every step at a GPT's [768, 65].
        var targets = Tensor<T>.Uninitialized(logits.Shape);
        var ts = targets.Span;
        ts.Clear();
        for (int i = 0; i < n; i++)
        {
            int label = labels[i];
            if (label == ignoreIndex) continue;
            if ((uint)label >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(labels), $"{op}: label {label} at index {i} is outside 0..{c - 1} for an input of shape {logits.Shape} (and is not the ignore index {ignoreIndex}).");
            T weight = w is null ? T.One : w[label];
            divisor += weight;
            if (labelSmoothing != 0)
                for (int j = 0; j < c; j++) ts[i * c + j] = smooth * (w is null ? T.One : w[j]);
            ts[i * c + label] += keep * weight;
        }
        return (targets, divisor);
    }

    /// <summary>
    /// Binary cross-entropy of sigmoid(logits) against targets in [0, 1] of the same shape (PyTorch's
    /// <c>F.binary_cross_entropy_with_logits(logits, target, weight, pos_weight, reduction)</c>), stable for logits of any size:
    /// per element (1 - t)·x + (1 + (p - 1)·t)·softplus(-x), times <paramref name="weight"/> (broadcast to the logits) where
    /// given; <paramref name="positiveWeight"/> p (broadcast along the last dimension, one per class) weighs the positive term.
    /// The mean is over elements.
    /// </summary>
    public static Tensor<T> BinaryCrossEntropyWithLogits<T>(Tensor<T> logits, Tensor<T> targets, Tensor<T>? weight = null, Tensor<T>? positiveWeight = null,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits); ArgumentNullException.ThrowIfNull(targets);
        if (targets.Shape != logits.Shape)
            throw new ArgumentException($"BinaryCrossEntropyWithLogits: targets of shape {targets.Shape} do not match logits of shape {logits.Shape}.");
        // softplus(-x) = log(1 + e^-x) = -log σ(x), without overflow and without the threshold's shortcut.
        var negativeLogSigmoid = (-logits).Softplus(threshold: double.PositiveInfinity);
        var positive = positiveWeight is null ? negativeLogSigmoid : (targets * (positiveWeight - T.One) + T.One) * negativeLogSigmoid;
        var loss = (T.One - targets) * logits + positive;
        if (weight is not null) loss *= weight;
        return reduction == Reduction.Mean ? loss.Mean() : loss.Sum();
    }
}
