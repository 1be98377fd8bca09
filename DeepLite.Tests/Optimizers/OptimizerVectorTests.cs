using System.Numerics;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Optimizers;

/// <summary>
/// The optimizers' vector loops against their scalar tails: every element of a long parameter must end
/// bit for bit where the same element ends as a one-element parameter (which runs the scalar code only),
/// at every length up to three vectors and a bit, with tiny values that exercise the subnormal flush.
/// </summary>
public class OptimizerVectorTests
{
    public static IEnumerable<object[]> Cases()
    {
        string[] kinds = ["sgd", "sgd-nesterov", "sgd-plain", "adam", "adam-keras", "adadelta"];
        int max = 3 * Vector<float>.Count + 3;
        foreach (var kind in kinds)
            for (int length = 1; length <= max; length++) yield return [kind, length];
    }

    private static Optimizer<T> Make<T>(string kind, Tensor<T> p) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        "sgd" => new Sgd<T>([p], 0.1, momentum: 0.9, weightDecay: 0.01),
        "sgd-nesterov" => new Sgd<T>([p], 0.1, momentum: 0.9, nesterov: true),
        "sgd-plain" => new Sgd<T>([p], 0.1, weightDecay: 0.01),
        "adam" => new Adam<T>([p], 0.01),
        "adam-keras" => new Adam<T>([p], 0.01, epsilon: 1e-7, epsilonPlacement: AdamEpsilon.Keras),
        _ => new Adadelta<T>([p], Adadelta<T>.KerasDefaults),
    };

    private static T[] Run<T>(string kind, T[] start, T[][] gradients) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = Tensor<T>.FromArray((T[])start.Clone(), start.Length);
        p.RequiresGrad = true;
        var optimizer = Make(kind, p);
        foreach (var g in gradients)
        {
            p.Grad = Tensor<T>.FromArray((T[])g.Clone(), g.Length);
            optimizer.Step();
        }
        return p.ToArray();
    }

    private static void Check<T>(string kind, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new SeededRandom(length * 7 + kind.Length);
        T Value(int i) => T.CreateChecked(i % 5 == 4 ? 1e-39 * random.Normal() : random.Normal());
        var start = Enumerable.Range(0, length).Select(Value).ToArray();
        var gradients = Enumerable.Range(0, 4).Select(step => Enumerable.Range(0, length).Select(i => step == 3 ? T.Zero : Value(i)).ToArray()).ToArray();
        var together = Run(kind, start, gradients);
        for (int i = 0; i < length; i++)
        {
            var alone = Run(kind, [start[i]], gradients.Select(g => new[] { g[i] }).ToArray());
            Assert.True(together[i].Equals(alone[0]), $"{kind}, length {length}, element {i}: {together[i]} in the vector loop, {alone[0]} alone");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void VectorLoopsMatchTheScalarFormExactly(string kind, int length)
    {
        Check<float>(kind, length);
        Check<double>(kind, length);
    }
}
