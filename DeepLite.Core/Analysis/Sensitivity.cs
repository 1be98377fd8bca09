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
    /// input, per sample, averaged over <paramref name="inputs"/>. Exact: one backward pass per output class
    /// (samples do not interact, so one pass gives that class's Jacobian row for every sample at once).
    /// </summary>
    public static double JacobianFrobenius(Module<float> model, Tensor<float> inputs)
    {
        var x = inputs.Clone();
        x.RequiresGrad = true;
        var probabilities = model.Forward(x).Softmax();
        int n = x.Shape[0], classes = probabilities.Shape[1];
        var squared = new double[n];
        for (int k = 0; k < classes; k++)
        {
            var seed = new Tensor<float>(probabilities.Shape);
            for (int i = 0; i < n; i++) seed[i, k] = 1;
            var g = AutoDiff.Grad(probabilities, [x], seed, retainGraph: k < classes - 1)[0];
            int row = g.Size / n;
            var gs = g.Span;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < row; j++) squared[i] += (double)gs[i * row + j] * gs[i * row + j];
        }
        return squared.Average(Math.Sqrt);
    }

    /// <summary>
    /// The report's measure: the norm of the gradient of the batch-mean cross-entropy with respect to the
    /// whole input batch. Each sample's share carries a factor 1/B (the mean), so for the same per-sample
    /// gradients this falls like 1/sqrt(B) as the batch grows: it measures the batch size as much as the model.
    /// </summary>
    public static double LossGradientNorm(Module<float> model, Tensor<float> inputs, ReadOnlySpan<int> labels)
    {
        var x = inputs.Clone();
        x.RequiresGrad = true;
        var g = AutoDiff.Grad(Loss.SoftmaxCrossEntropy(model.Forward(x), labels), [x])[0];
        double sum = 0;
        foreach (var v in g.Span) sum += (double)v * v;
        return Math.Sqrt(sum);
    }
}
