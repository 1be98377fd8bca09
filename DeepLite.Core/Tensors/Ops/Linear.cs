using DeepLite.Kernels;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Tensors;

public sealed partial class Tensor<T>
{
    /// <summary>
    /// this input Wᵀ + bias, PyTorch's <c>F.linear(input, weight, bias)</c>: input [N, in] or [..., in], weight [out, in],
    /// bias [out] or null. One op rather than MatMul then Add: a dense layer records one node and one tensor, which is
    /// most of the cost of a small net's step. The same arithmetic as MatMul then Add, bit for bit.
    /// </summary>
    public Tensor<T> Linear(Tensor<T> weight, Tensor<T>? bias = null)
    {
        var input = this;
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2) throw new ArgumentException($"Linear: weight must be [out, in], got shape {weight.Shape}.");
        int outFeatures = weight.Shape.Dims[0], inFeatures = weight.Shape.Dims[1];
        if (input.Rank < 1 || input.Shape.Dims[^1] != inFeatures)
            throw new ArgumentException($"Linear: input of shape {input.Shape} does not end in the weight's {inFeatures} input features (weight {weight.Shape}).");
        if (bias is not null && (bias.Rank != 1 || bias.Shape.Dims[0] != outFeatures))
            throw new ArgumentException($"Linear: bias of shape {bias.Shape} does not match {outFeatures} output features.");
        if (input.Rank != 2)
        {
            var dims = input.Shape.ToArray(); dims[^1] = outFeatures;
            return input.Reshape(-1, inFeatures).Linear(weight, bias).Reshape(dims);
        }

        int rows = input.Shape.Dims[0];
        var y = Uninitialized(Shape.Own([rows, outFeatures]));
        GemmKernel.Multiply<T>(false, true, rows, outFeatures, inFeatures, input.Span, inFeatures, weight.Span, inFeatures, y.Span, outFeatures);
        if (bias is not null)
            for (int r = 0; r < rows; r++)
            {
                var row = y.Span.Slice(r * outFeatures, outFeatures);
                Elementwise.Map<T, AddOperator<T>>(row, bias.Span, row);
            }

        return Recording(input, weight, bias) ? Backward(y, input, weight, bias) : y;

        // dx = g W, dW = gᵀ x, db = the rows of g summed.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> input, Tensor<T> weight, Tensor<T>? bias)
        {
            if (bias is null)
                return Record(y, "Linear", [input, weight], g =>
                    [input.RequiresGrad ? g.MatMul(weight) : null, weight.RequiresGrad ? g.MatMul(input, transposeA: true) : null]);
            return Record(y, "Linear", [input, weight, bias], g =>
                [input.RequiresGrad ? g.MatMul(weight) : null, weight.RequiresGrad ? g.MatMul(input, transposeA: true) : null,
                 bias.RequiresGrad ? g.SumTo(bias.Shape) : null]);
        }
    }
}
