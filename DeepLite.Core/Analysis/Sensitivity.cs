using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>How strongly a classifier's output reacts to its input.</summary>
public static class Sensitivity
{
    /// <summary>
    /// The course's sensitivity: the Frobenius norm of the Jacobian of the softmax output with respect to the
    /// input, per sample (<see cref="JacobianNorms{T}"/>), averaged over <paramref name="inputs"/>.
    /// </summary>
    public static double JacobianFrobenius<T>(Module<T> model, Tensor<T> inputs) where T : unmanaged, IFloatingPointIeee754<T> =>
        JacobianNorms(model, inputs).Average();

    /// <summary>The Frobenius norm of each sample's Jacobian (<see cref="Jacobian{T}"/>), in the batch's order.</summary>
    public static double[] JacobianNorms<T>(Module<T> model, Tensor<T> inputs, bool softmax = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var jacobian = Jacobian(model, inputs, softmax);
        int n = inputs.Shape[0], block = jacobian.Size / Math.Max(1, n);
        var norms = new double[n];
        var js = jacobian.Span;
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            foreach (var v in js.Slice(i * block, block)) sum += double.CreateChecked(v) * double.CreateChecked(v);
            norms[i] = Math.Sqrt(sum);
        }
        return norms;
    }

    /// <summary>
    /// Each sample's Jacobian of the model's output (its softmax when <paramref name="softmax"/>) with respect to that
    /// sample's input: shape [N, classes, ...input dims without N], entry [i, k, ...] = d out[i, k] / d x[i, ...] (the
    /// per-sample blocks of PyTorch's <c>torch.autograd.functional.jacobian</c>, samples not interacting). Exact: one
    /// backward pass per output class gives that class's row for every sample at once. The model must treat samples
    /// independently (true in evaluation mode; BatchNorm in training mode mixes them).
    /// </summary>
    public static Tensor<T> Jacobian<T>(Module<T> model, Tensor<T> inputs, bool softmax = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model); ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Rank < 2) throw new ArgumentException($"Jacobian: inputs must be a batch [N, ...], got shape {inputs.Shape}.");
        var x = inputs.Clone();
        x.RequiresGrad = true;
        var output = model.Forward(x);
        if (output.Rank != 2 || output.Shape[0] != x.Shape[0])
            throw new ArgumentException($"Jacobian: the model's output for inputs of shape {inputs.Shape} should be [N, classes], got {output.Shape}.");
        if (softmax) output = output.Softmax();
        int n = x.Shape[0], classes = output.Shape[1], row = x.Size / Math.Max(1, n);
        var jacobian = new Tensor<T>(new Shape([n, classes, .. x.Shape.Dims[1..]]));
        var js = jacobian.Span;
        for (int k = 0; k < classes; k++)
        {
            var seed = new Tensor<T>(output.Shape);
            for (int i = 0; i < n; i++) seed[i, k] = T.One;
            var g = AutoDiff.Grad(output, [x], seed, retainGraph: k < classes - 1)[0];
            var gs = g.Span;
            for (int i = 0; i < n; i++) gs.Slice(i * row, row).CopyTo(js.Slice((i * classes + k) * row, row));
        }
        return jacobian;
    }

    /// <summary>
    /// The report's measure: the norm of the gradient of the batch-mean cross-entropy with respect to the
    /// whole input batch. Each sample's share carries a factor 1/B (the mean), so for the same per-sample
    /// gradients this falls like 1/sqrt(B) as the batch grows: it measures the batch size as much as the model.
    /// </summary>
    public static double LossGradientNorm<T>(Module<T> model, Tensor<T> inputs, ReadOnlySpan<int> labels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = inputs.Clone();
        x.RequiresGrad = true;
        var g = AutoDiff.Grad(Loss.SoftmaxCrossEntropy(model.Forward(x), labels), [x])[0];
        double sum = 0;
        foreach (var v in g.Span) sum += double.CreateChecked(v) * double.CreateChecked(v);
        return Math.Sqrt(sum);
    }
}
