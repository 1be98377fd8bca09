using DeepLite.Autograd;
using DeepLite.Kernels;
using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// A thin first layer's Conv2D, ReLU and 2x2 max pooling as one op. Its output is the pooled tensor; the convolution's
// output, the layer's largest tensor by four, is computed a few planes at a time and never kept.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// MaxPool2D(2, 2)(relu(Conv2D(input, weight, bias))) as one op where the plan's kernels can pool what they compute
    /// (<see cref="ConvPlan.PoolsReluOutput"/>: the AVX-512 direct convolution of a thin input); null where they cannot,
    /// and the caller runs the ops one after the other. Values and gradients are those of the three ops, bit for bit:
    /// the same kernels produce the values, and the backward routes each pooled gradient to its window's winner, masked
    /// by the pooled value (the winner's ReLU output), as MaxPool2D's backward then the ReLU's mask do.
    /// <see cref="Layers.Sequential{T}"/> uses it for Conv2D, Relu and MaxPool2D(2) layers in a row.
    /// </summary>
    internal static Tensor<T>? Conv2DReluMaxPool(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Size2D stride, Size2D dilation, Padding padding,
        ConvAlgorithm algorithm)
    {
        if (weight.Rank != 4 || bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0])) return null; // Conv2D names the problem
        var g = ConvShapes.Geometry("Conv2D", input.Shape, weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Shape[3],
            stride.Height, stride.Width, padding, dilation.Height, dilation.Width);
        var plan = ConvPlan.For(g, algorithm);
        if (!plan.PoolsReluOutput || g.N == 0 || g.F == 0 || g.OH < 2 || g.OW < 2) return null;
        var pool = ConvShapes.Geometry("MaxPool2D", g.OutputShape(), g.F, g.F, 2, 2, 2, 2, default);
        var pooled = Uninitialized(new Shape(g.N, g.F, pool.OH, pool.OW)); // every element written
        // The windows' winners come from the pool, as MaxPool2D's do (and are checked the same way in the backward).
        var (argmax, lease, scope) = TensorPool.Rent<int>(pooled.Size);
        plan.RunForwardReluMaxPool(input.Buffer, input.Offset, Contiguous(weight), bias is null ? null : Contiguous(bias), pool, pooled.Buffer, argmax);
        return Recording(input, weight, bias) ? Backward(pooled, input, weight, bias, plan, pool, argmax, lease, scope) : pooled;

        static Tensor<T> Backward(Tensor<T> pooled, Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, ConvPlan plan, ConvGeometry pool, int[] argmax,
            BufferLease lease, long scope)
        {
            Tensor<T>[] inputs = bias is null ? [input, weight] : [input, weight, bias];
            return Record(pooled, "Conv2DReluMaxPool", inputs, gp =>
            {
                if (lease.ScopeId != scope)
                    throw new InvalidOperationException($"Backward through Conv2DReluMaxPool (input {input.Shape}) after TensorPool scope #{scope}, in which it ran, has ended: its window indices went back to the pool. Run backward inside the scope.");
                // dL/d conv = MaxPool2D's backward of the ReLU-masked pooled gradient (the winner's ReLU output is the
                // pooled value), then Conv2D's backward: recorded ops, so a double backward differentiates them.
                if (input.RequiresGrad || !weight.RequiresGrad || bias is { RequiresGrad: false } || GradMode.IsEnabled)
                    return Conv2DBackward(gp.WherePositive(pooled).MaxPool2DBackward(argmax, pool), input, weight, bias, plan);
                // A first layer (its input needs no gradient): one pass builds dY a block at a time from the pooled
                // gradient and sums the weight and bias gradients from it.
                var gw = Uninitialized(plan.Geometry.KernelShape()); // every element written
                var gb = bias is null ? null : Uninitialized(new Shape(plan.Geometry.F));
                plan.RunWeightGradientPooled(input.Buffer, input.Offset, new PooledGradient<T>(gp.Buffer, gp.Offset, pooled.Buffer, pooled.Offset, argmax, pool),
                    gw.Buffer, gb?.Buffer);
                return bias is null ? [null, gw] : [null, gw, gb];
            }, new GeometryAttributes(plan.Geometry));
        }
    }
}
