using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;
using System.Runtime.CompilerServices;

namespace DeepLite.Losses;

public static partial class Loss
{
    /// <summary>
    /// Cross-entropy of softmax(logits) against class indices, fused and stable: each row's
    /// log-sum-exp subtracts the row maximum, so logits of any magnitude give a finite loss and gradient.
    /// </summary>
    /// <param name="logits">[N, C] unnormalized scores.</param>
    /// <param name="labels">N class indices in 0..C-1.</param>
    /// <param name="reduction">Mean over the N samples, or sum.</param>
    public static Tensor<T> SoftmaxCrossEntropy<T>(Tensor<T> logits, ReadOnlySpan<int> labels, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckLogits(logits, "SoftmaxCrossEntropy");
        if (labels.Length != n)
            throw new ArgumentException($"SoftmaxCrossEntropy: {labels.Length} labels for logits of shape {logits.Shape} ({n} rows).");
        var targets = new Tensor<T>(logits.Shape);
        var ts = targets.Span;
        for (int i = 0; i < n; i++)
        {
            if ((uint)labels[i] >= (uint)c)
                throw new ArgumentOutOfRangeException(nameof(labels), $"SoftmaxCrossEntropy: label {labels[i]} at index {i} is outside 0..{c - 1} for logits of shape {logits.Shape}.");
            ts[i * c + labels[i]] = T.One;
        }
        return SoftmaxCrossEntropy(logits, targets, reduction);
    }

    /// <summary>
    /// Cross-entropy of softmax(logits) against target distributions (one-hot or soft), [N, C] each:
    /// -sum_c target_c * log softmax(logits)_c per row, then the reduction over rows.
    /// </summary>
    public static Tensor<T> SoftmaxCrossEntropy<T>(Tensor<T> logits, Tensor<T> targets, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckLogits(logits, "SoftmaxCrossEntropy");
        if (targets.Shape != logits.Shape)
            throw new ArgumentException($"SoftmaxCrossEntropy: targets of shape {targets.Shape} do not match logits of shape {logits.Shape}.");
        // Pooled in a TensorPool scope, like every intermediate; the backward reads them.
        var logProbs = Tensor<T>.Uninitialized(logits.Shape);
        var probabilities = Tensor<T>.Uninitialized(logits.Shape);
        Tensor<T>.LogSoftmaxRows(logits.Span, logProbs.Span, c, probabilities.Span);
        Span<T> ts = targets.Span, ls = logProbs.Span;
        T total = T.Zero;
        for (int i = 0; i < ls.Length; i++)
            if (ts[i] != T.Zero) total -= ts[i] * ls[i];
        T scale = reduction == Reduction.Mean ? T.One / T.CreateChecked(Math.Max(1, n)) : T.One;
        var loss = Tensor<T>.Scalar(total * scale);
        return Tensor<T>.Recording(logits, targets) ? Backward(loss, logits, targets, logProbs, probabilities, scale, c) : loss;

        static Tensor<T> Backward(Tensor<T> loss, Tensor<T> logits, Tensor<T> targets, Tensor<T> logProbs, Tensor<T> probabilities, T scale, int c) =>
            Tensor<T>.Record(loss, "SoftmaxCrossEntropy", [logits, targets], g =>
            {
                var gs = g * scale;
                Tensor<T>? gLogits = null, gTargets = null;
                if (logits.RequiresGrad)
                {
                    // d/dlogits = softmax(logits) * rowsum(targets) - targets (rowsum is 1 for distributions).
                    if (GradMode.IsEnabled)
                        gLogits = (logits.Softmax() * targets.Sum(-1, keepDims: true) - targets) * gs;
                    else
                        gLogits = FusedLogitGradient(probabilities, targets, gs.Item(), c);
                }
                if (targets.RequiresGrad)
                    gTargets = -(GradMode.IsEnabled ? logits.LogSoftmax() : logProbs) * gs;
                return [gLogits, gTargets];
            });
    }

    /// <summary>The first-order gradient in one pass: (softmax * rowsum(t) - t) * scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor<T> FusedLogitGradient<T>(Tensor<T> probabilities, Tensor<T> targets, T scale, int c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = Tensor<T>.Uninitialized(targets.Shape); // every element is written
        var rs = result.Span; var ts = targets.Span; var ps = probabilities.Span;
        for (int row = 0; row < rs.Length / c; row++)
        {
            T mass = T.Zero;
            for (int j = 0; j < c; j++) mass += ts[row * c + j];
            for (int j = 0; j < c; j++)
            {
                int i = row * c + j;
                rs[i] = (ps[i] * mass - ts[i]) * scale;
            }
        }
        return result;
    }

    private static (int Rows, int Classes) CheckLogits<T>(Tensor<T> logits, string op) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.Rank != 2 || logits.Shape[1] == 0)
            throw new ArgumentException($"{op}: logits must be [N, C] with C > 0, got shape {logits.Shape}.");
        return (logits.Shape[0], logits.Shape[1]);
    }
}
