using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DeepLite.Tests.GradientCheck;

namespace DeepLite.Tests.Autograd;

/// <summary>Every elementwise op: backward and double backward against central differences in float64.</summary>
public class ElementwiseGradientProperties
{
    private static void Check(TensorCase c, Func<Tensor<double>, Tensor<double>> f, double low = -2, double high = 2, Func<Tensor<double>, Tensor<double>>? prepare = null)
    {
        var x = c.Make(low, high);
        if (prepare is not null) x = prepare(x);
        AssertGradients(xs => f(xs[0]), [x], c.Seed);
        AssertHessianVectorProducts(xs => f(xs[0]), [x], c.Seed);
    }

    /// <summary>Moves values at least 0.05 away from 0, where ReLU and SELU have kinks.</summary>
    private static Tensor<double> AwayFromZero(Tensor<double> x)
    {
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] += s[i] >= 0 ? 0.05 : -0.05;
        return x;
    }

    [Property(MaxTest = 100)] public Property Negate() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => -x));
    [Property(MaxTest = 100)] public Property AddScalar() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x + 1.7));
    [Property(MaxTest = 100)] public Property MultiplyScalar() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x * -0.6));
    [Property(MaxTest = 100)] public Property ScalarMinusTensor() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => 3.0 - x));
    [Property(MaxTest = 100)] public Property ScalarOverTensor() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => 2.0 / x, 0.5, 2));
    [Property(MaxTest = 100)] public Property Exp() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Exp()));
    [Property(MaxTest = 100)] public Property Log() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Log(), 0.3, 3));
    [Property(MaxTest = 100)] public Property Tanh() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Tanh()));
    [Property(MaxTest = 100)] public Property Sigmoid() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Sigmoid(), -6, 6));
    [Property(MaxTest = 100)] public Property Relu() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Relu(), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property Selu() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Selu(), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property LeakyRelu() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.LeakyRelu(0.07), prepare: AwayFromZero));
    [Property(MaxTest = 100)] public Property Gelu() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Gelu(), -3, 3));
    // A new generator with one seed for every evaluation: the same mask each time, as within one training step.
    [Property(MaxTest = 100)] public Property Dropout() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Dropout(0.3, new SeededRandom(c.Seed))));
    [Property(MaxTest = 100)] public Property Square() => Prop.ForAll(Generators.Tensors(), c => Check(c, x => x.Square()));

    [Property(MaxTest = 100)]
    public Property Pow() => Prop.ForAll(Generators.Tensors(), Gen.Elements(-1.5, -1.0, 0.5, 1.3, 2.0, 3.0).ToArbitrary(),
        (c, p) => Check(c, x => x.Pow(p), 0.4, 2.5));
}
