using DeepLite.Autograd;
using DeepLite.Kernels;
using DeepLite.Kernels.Convolution;

namespace DeepLite.Tensors;

// 2-D convolution as three mutually adjoint ops: the forward product f(x, w), its input gradient
// bx(g, w) and its weight gradient bw(x, g). Each one's backward is written with the other two, so
// convolutions support double backward like every other op.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// 2-D cross-correlation (what frameworks call convolution), NCHW, of this input [N, C, H, W] with
    /// <paramref name="weight"/> [F, C / groups, KH, KW] and an optional <paramref name="bias"/> [F]; output [N, F, OH, OW].
    /// PyTorch's <c>F.conv2d(input, weight, bias, stride, padding, dilation, groups)</c>: a stride or dilation is one int or
    /// (height, width) (default 1); with <paramref name="groups"/> g, input channels and filters split into g groups and
    /// group i's filters see group i's channels only (g = C: depthwise).
    /// </summary>
    public Tensor<T> Conv2D(Tensor<T> weight, Tensor<T>? bias = null, Size2D? stride = null, Padding padding = default,
        Size2D? dilation = null, int groups = 1, ConvAlgorithm algorithm = ConvAlgorithm.Auto)
    {
        ArgumentNullException.ThrowIfNull(weight);
        var (s, d) = (stride ?? 1, dilation ?? 1);
        if (groups == 1) return Convolve(this, weight, bias, s, d, padding, algorithm, relu: false);
        if (weight.Rank != 4) throw new ArgumentException($"Conv2D: weight must be [F, C / groups, KH, KW], got shape {weight.Shape}.");
        int channels = Rank == 4 ? Shape[1] : 0, filters = weight.Shape[0];
        if (groups <= 0 || channels % groups != 0 || filters % groups != 0)
            throw new ArgumentException($"Conv2D: {groups} groups must divide the input's {channels} channels (shape {Shape}) and the {filters} filters.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != filters))
            throw new ArgumentException($"Conv2D: bias of shape {bias.Shape} does not match {filters} filters.");
        // Group by group, each an ordinary convolution of its channel block, joined along the channels: Narrow and
        // Concat carry the gradients, so a grouped layer needs no kernel of its own.
        int c = channels / groups, f = filters / groups;
        var outputs = new Tensor<T>[groups];
        for (int i = 0; i < groups; i++)
            outputs[i] = Convolve(Narrow(1, i * c, c), weight.Narrow(0, i * f, f), bias?.Narrow(0, i * f, f), s, d, padding, algorithm, relu: false);
        return Concat(outputs, 1);
    }

    /// <summary>
    /// relu(Conv2D(input, weight, bias)) as one op: the forward kernel applies the ReLU as it stores (ConvPlan.FusesRelu;
    /// else it runs in place on the output), so the pre-activation (the largest tensor of a conv layer's step) is never
    /// kept. Its backward masks dY by the
    /// output (y &gt; 0 exactly where the pre-activation is &gt; 0, and NaN passes neither) and continues as Conv2D's,
    /// so values and gradients are those of the two ops. <see cref="Layers.Sequential{T}"/> uses it for a Conv2D
    /// layer followed by a Relu layer.
    /// </summary>
    internal static Tensor<T> Conv2DRelu(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Size2D stride, Size2D dilation, Padding padding,
        ConvAlgorithm algorithm) => Convolve(input, weight, bias, stride, dilation, padding, algorithm, relu: true);

    private static Tensor<T> Convolve(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, Size2D stride, Size2D dilation, Padding padding,
        ConvAlgorithm algorithm, bool relu)
    {
        if (weight.Rank != 4) throw new ArgumentException($"Conv2D: weight must be [F, C, KH, KW], got shape {weight.Shape}.");
        if (bias is not null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"Conv2D: bias of shape {bias.Shape} does not match {weight.Shape[0]} filters.");
        var g = ConvShapes.Geometry("Conv2D", input.Shape, weight.Shape[0], weight.Shape[1], weight.Shape[2], weight.Shape[3],
            stride.Height, stride.Width, padding, dilation.Height, dilation.Width);
        // One plan for this geometry: the forward pass, the backward pass and a double backward all use it.
        var plan = ConvPlan.For(g, algorithm);
        var y = ConvForward(plan, input, weight, bias, relu && plan.FusesRelu);
        if (relu && !plan.FusesRelu) ForElements(y.Size, new UnaryMap<ReluOperator<T>>(y.Buffer, y.Offset, y.Buffer));
        return Recording(input, weight, bias) ? Backward(y, input, weight, bias, plan, relu) : y;

        static Tensor<T> Backward(Tensor<T> y, Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, ConvPlan plan, bool relu)
        {
            Tensor<T>[] inputs = bias is null ? [input, weight] : [input, weight, bias];
            if (!relu) return Record(y, "Conv2D", inputs, gy => Conv2DBackward(gy, input, weight, bias, plan), new GeometryAttributes(plan.Geometry));
            return Record(y, "Conv2DRelu", inputs, gy => Conv2DReluBackward(gy, y, input, weight, bias, plan), new GeometryAttributes(plan.Geometry));
        }
    }

    /// <summary>
    /// Conv2DRelu's gradients: Conv2D's for dY masked by y &gt; 0. A first layer (its input, the images, needs no gradient)
    /// whose weight-gradient kernel masks dY itself gets its weight and bias gradients from one pass that masks dY as it reads it, so the
    /// masked dY, a first layer's largest tensor, is never written; the same numbers (the mask is applied value by value
    /// before the same sums).
    /// </summary>
    private static Tensor<T>?[] Conv2DReluBackward(Tensor<T> gy, Tensor<T> y, Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, ConvPlan plan)
    {
        var g = plan.Geometry;
        if (input.RequiresGrad || !weight.RequiresGrad || bias is { RequiresGrad: false } || GradMode.IsEnabled || !plan.MasksReluGradient || g.N * g.OutputPixels == 0)
            return Conv2DBackward(gy.WherePositive(y), input, weight, bias, plan);
        var gw = Uninitialized(g.KernelShape()); // every element written
        var gb = bias is null ? null : Uninitialized(new Shape(g.F));
        plan.RunWeightGradient(input.Buffer, input.Offset, gy.Buffer, gy.Offset, gw.Buffer, gb?.Buffer, y.Buffer, y.Offset);
        return bias is null ? [null, gw] : [null, gw, gb];
    }

    /// <summary>The gradients of Conv2D's inputs for dL/dy = <paramref name="gy"/> (null for an input that needs none).</summary>
    private static Tensor<T>?[] Conv2DBackward(Tensor<T> gy, Tensor<T> input, Tensor<T> weight, Tensor<T>? bias, ConvPlan plan)
    {
        var gx = input.RequiresGrad ? Conv2DInputGradient(gy, weight, plan) : null;
        if (bias is null) return [gx, weight.RequiresGrad ? Conv2DWeightGradient(input, gy, plan) : null];
        if (weight.RequiresGrad && bias.RequiresGrad && !GradMode.IsEnabled && plan.FusesBiasGradient)
        {
            // Outside a double backward there is nothing to record: one pass over dY gives both.
            var gw = Uninitialized(plan.Geometry.KernelShape());
            var gb = Uninitialized(new Shape(plan.Geometry.F)); // every element written
            if (plan.Geometry.N * plan.Geometry.OutputPixels == 0) { gw.Span.Clear(); gb.Span.Clear(); }
            else plan.RunWeightGradient(input.Buffer, input.Offset, gy.Buffer, gy.Offset, gw.Buffer, gb.Buffer);
            return [gx, gw, gb];
        }
        return [gx, weight.RequiresGrad ? Conv2DWeightGradient(input, gy, plan) : null, bias.RequiresGrad ? gy.Sum([0, 2, 3]) : null];
    }

    private static Tensor<T> Conv2DInputGradient(Tensor<T> gy, Tensor<T> weight, ConvPlan plan)
    {
        var gx = Uninitialized(plan.Geometry.InputShape()); // every element written
        if (gx.Size > 0)
        {
            if (gy.Size == 0) gx.Span.Clear();
            else plan.RunInputGradient(gy.Buffer, gy.Offset, Contiguous(weight), gx.Buffer);
        }
        return Recording(gy, weight) ? Backward(gx, gy, weight, plan) : gx;
        // <bx(gy, w), ggx> = <f(ggx, w), gy>: so d/dgy = f(ggx, w) and d/dw = bw(ggx, gy).
        static Tensor<T> Backward(Tensor<T> gx, Tensor<T> gy, Tensor<T> weight, ConvPlan plan) => Record(gx, "Conv2DInputGradient", [gy, weight], ggx =>
        [
            gy.RequiresGrad ? Forward(ggx, weight, plan) : null,
            weight.RequiresGrad ? Conv2DWeightGradient(ggx, gy, plan) : null,
        ]);
    }

    private static Tensor<T> Conv2DWeightGradient(Tensor<T> input, Tensor<T> gy, ConvPlan plan)
    {
        var g = plan.Geometry;
        var gw = Uninitialized(g.KernelShape()); // every element written
        if (g.N * g.OutputPixels == 0) gw.Span.Clear();
        else plan.RunWeightGradient(input.Buffer, input.Offset, gy.Buffer, gy.Offset, gw.Buffer);
        return Recording(input, gy) ? Backward(gw, input, gy, plan) : gw;
        // <bw(x, gy), ggw> = <f(x, ggw), gy>: so d/dx = bx(gy, ggw) and d/dgy = f(x, ggw).
        static Tensor<T> Backward(Tensor<T> gw, Tensor<T> input, Tensor<T> gy, ConvPlan plan) => Record(gw, "Conv2DWeightGradient", [input, gy], ggw =>
        [
            input.RequiresGrad ? Conv2DInputGradient(gy, ggw, plan) : null,
            gy.RequiresGrad ? Forward(input, ggw, plan) : null,
        ]);
    }

    /// <summary>The recorded forward product without bias, for use inside backward passes.</summary>
    private static Tensor<T> Forward(Tensor<T> x, Tensor<T> w, ConvPlan plan)
    {
        var y = ConvForward(plan, x, w, null);
        return Recording(x, w) ? Backward(y, x, w, plan) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, Tensor<T> w, ConvPlan plan) => Record(y, "Conv2D", [x, w], gy =>
        [
            x.RequiresGrad ? Conv2DInputGradient(gy, w, plan) : null,
            w.RequiresGrad ? Conv2DWeightGradient(x, gy, plan) : null,
        ]);
    }

    /// <summary>y = conv(x, w) + b (relu of it with <paramref name="relu"/>, when the plan fuses it) by the plan's forward algorithm (not recorded).</summary>
    private static Tensor<T> ConvForward(ConvPlan plan, Tensor<T> x, Tensor<T> w, Tensor<T>? b, bool relu = false)
    {
        var y = Uninitialized(plan.Geometry.OutputShape()); // every element written
        if (y.Size > 0) plan.RunForward(x.Buffer, x.Offset, Contiguous(w), b is null ? null : Contiguous(b), y.Buffer, relu);
        return y;
    }

    /// <summary>The tensor's elements as an array starting at index 0, as the kernels take weights (a copy only for views).</summary>
    private static T[] Contiguous(Tensor<T> t) => t.Offset == 0 && t.Buffer.Length == t.Size ? t.Buffer : t.ToArray();
}
