using DeepLite.Kernels;

namespace DeepLite.Tensors;

// Elementwise arithmetic with NumPy broadcasting. A broadcast operand's gradient is summed back
// to its own shape (SumTo), the adjoint of broadcasting.
public sealed partial class Tensor<T>
{
    /// <summary>this + b, broadcasting (PyTorch's <c>a.add(b)</c>; also the operator +).</summary>
    public Tensor<T> Add(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<AddOperator<T>>(a, b, "Add");
        return Recording(a, b) ? Backward(y, a, b) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) => Record(y, "Add", [a, b], g => [g.SumTo(a.Shape), g.SumTo(b.Shape)]);
    }

    /// <summary>this - b, broadcasting (PyTorch's <c>a.sub(b)</c>; also the operator -).</summary>
    public Tensor<T> Subtract(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<SubtractOperator<T>>(a, b, "Subtract");
        return Recording(a, b) ? Backward(y, a, b) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) =>
            Record(y, "Subtract", [a, b], g => [g.SumTo(a.Shape), b.RequiresGrad ? (-g).SumTo(b.Shape) : null]);
    }

    /// <summary>this * b elementwise, broadcasting (PyTorch's <c>a.mul(b)</c>; also the operator *).</summary>
    public Tensor<T> Multiply(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<MultiplyOperator<T>>(a, b, "Multiply");
        return Recording(a, b) ? Backward(y, a, b) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) => Record(y, "Multiply", [a, b], g =>
            [a.RequiresGrad ? (g * b).SumTo(a.Shape) : null, b.RequiresGrad ? (g * a).SumTo(b.Shape) : null]);
    }

    /// <summary>this / b elementwise, broadcasting (PyTorch's <c>a.div(b)</c>; also the operator /).</summary>
    public Tensor<T> Divide(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<DivideOperator<T>>(a, b, "Divide");
        return Recording(a, b) ? Backward(y, a, b) : y;
        // d(a/b)/db = -a/b^2 = -y/b.
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) => Record(y, "Divide", [a, b], g =>
            [a.RequiresGrad ? (g / b).SumTo(a.Shape) : null, b.RequiresGrad ? (-(g * y) / b).SumTo(b.Shape) : null]);
    }

    /// <summary>
    /// The elementwise maximum of this and <paramref name="b"/>, broadcasting (PyTorch's <c>torch.maximum</c>): NaN where
    /// either is NaN; at a tie the gradient is split evenly between the two, as PyTorch splits it.
    /// </summary>
    public Tensor<T> Maximum(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<MaximumOperator<T>>(a, b, "Maximum");
        return Recording(a, b) ? Backward(y, a, b) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) => Record(y, "Maximum", [a, b], g =>
        {
            var share = MapBinary<MaximumShareOperator<T>>(a, b, "Maximum"); // a's share of the gradient, a constant
            return [a.RequiresGrad ? (g * share).SumTo(a.Shape) : null, b.RequiresGrad ? (g * (T.One - share)).SumTo(b.Shape) : null];
        });
    }

    /// <summary>
    /// The elementwise minimum of this and <paramref name="b"/>, broadcasting (PyTorch's <c>torch.minimum</c>): NaN where
    /// either is NaN; at a tie the gradient is split evenly.
    /// </summary>
    public Tensor<T> Minimum(Tensor<T> b)
    {
        var a = this;
        var y = MapBinary<MinimumOperator<T>>(a, b, "Minimum");
        return Recording(a, b) ? Backward(y, a, b) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> a, Tensor<T> b) => Record(y, "Minimum", [a, b], g =>
        {
            var share = MapBinary<MaximumShareOperator<T>>(b, a, "Minimum"); // a's share: 1 where b > a
            return [a.RequiresGrad ? (g * share).SumTo(a.Shape) : null, b.RequiresGrad ? (g * (T.One - share)).SumTo(b.Shape) : null];
        });
    }

    /// <summary>-x.</summary>
    public Tensor<T> Negate()
    {
        var y = MapUnary<NegateOperator<T>>();
        return Recording(this) ? Backward(y, this) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x) => Record(y, "Negate", [x], g => [-g]);
    }

    /// <summary>x + s.</summary>
    public Tensor<T> AddScalar(T s)
    {
        var y = MapScalar<AddOperator<T>>(s);
        return Recording(this) ? Backward(y, this, s) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T s) => Record(y, "AddScalar", [x], g => [g], new ScalarAttributes(double.CreateChecked(s)));
    }

    /// <summary>x * s.</summary>
    public Tensor<T> MultiplyScalar(T s)
    {
        var y = MapScalar<MultiplyOperator<T>>(s);
        return Recording(this) ? Backward(y, this, s) : y;
        static Tensor<T> Backward(Tensor<T> y, Tensor<T> x, T s) => Record(y, "MultiplyScalar", [x], g => [g.MultiplyScalar(s)], new ScalarAttributes(double.CreateChecked(s)));
    }

    /// <summary>Elementwise sum, broadcasting.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) => a.Add(b);
    /// <summary>Elementwise difference, broadcasting.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) => a.Subtract(b);
    /// <summary>Elementwise product, broadcasting.</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) => a.Multiply(b);
    /// <summary>Elementwise quotient, broadcasting.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) => a.Divide(b);
    /// <summary>Negation.</summary>
    public static Tensor<T> operator -(Tensor<T> x) => x.Negate();
    /// <summary>Adds a scalar.</summary>
    public static Tensor<T> operator +(Tensor<T> x, T s) => x.AddScalar(s);
    /// <summary>Adds a scalar.</summary>
    public static Tensor<T> operator +(T s, Tensor<T> x) => x.AddScalar(s);
    /// <summary>Subtracts a scalar.</summary>
    public static Tensor<T> operator -(Tensor<T> x, T s) => x.AddScalar(-s);
    /// <summary>A scalar minus each element.</summary>
    public static Tensor<T> operator -(T s, Tensor<T> x) => x.Negate().AddScalar(s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(Tensor<T> x, T s) => x.MultiplyScalar(s);
    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor<T> operator *(T s, Tensor<T> x) => x.MultiplyScalar(s);
    /// <summary>Divides by a scalar.</summary>
    public static Tensor<T> operator /(Tensor<T> x, T s) => x.MultiplyScalar(T.One / s);
    /// <summary>A scalar divided by each element.</summary>
    public static Tensor<T> operator /(T s, Tensor<T> x) => x.Pow(-T.One).MultiplyScalar(s);
}
