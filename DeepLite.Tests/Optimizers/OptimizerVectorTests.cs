using System.Numerics;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Tests.Kernels;

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
        string[] kinds = ["sgd", "sgd-nesterov", "sgd-plain", "sgd-dampening", "adam", "adam-keras", "amsgrad", "adadelta"];
        int max = 3 * Vector<float>.Count + 3;
        foreach (var kind in kinds)
            for (int length = 1; length <= max; length++) yield return [kind, length];
    }

    private static Optimizer<T> Make<T>(string kind, Tensor<T> p) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        "sgd" => new Sgd<T>([p], 0.1, momentum: 0.9, weightDecay: 0.01),
        "sgd-nesterov" => new Sgd<T>([p], 0.1, momentum: 0.9, nesterov: true),
        "sgd-plain" => new Sgd<T>([p], 0.1, weightDecay: 0.01),
        "sgd-dampening" => new Sgd<T>([p], 0.1, momentum: 0.9, dampening: 0.3),
        "adam" => new Adam<T>([p], 0.01),
        "amsgrad" => new AdamW<T>([p], 0.01, amsGrad: true),
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

/// <summary>
/// Large parameters are updated in chunks on every core: each chunk must read its own slice of the state,
/// so two threads give the bits one thread gives (a chunk reading the state from the start would not).
/// </summary>
[Collection(nameof(ProcessWideSettings))]
public class OptimizerChunkTests
{
    [Theory]
    [InlineData("sgd"), InlineData("adam"), InlineData("adadelta")]
    public void ChunkedUpdatesMatchOneThread(string kind)
    {
        const int length = (1 << 15) + 77;
        var random = new SeededRandom(5);
        var start = Enumerable.Range(0, length).Select(_ => (float)random.Normal()).ToArray();
        var gradients = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, length).Select(_ => (float)random.Normal()).ToArray()).ToArray();
        float[] Run(int threads)
        {
            int previous = DeepLite.Kernels.Parallelism.MaxThreads;
            try
            {
                DeepLite.Kernels.Parallelism.MaxThreads = threads;
                var p = Tensor<float>.FromArray((float[])start.Clone(), length);
                p.RequiresGrad = true;
                Optimizer<float> optimizer = kind switch
                {
                    "sgd" => new Sgd<float>([p], 0.1, momentum: 0.9),
                    "adam" => new Adam<float>([p], 0.01),
                    _ => new Adadelta<float>([p], Adadelta<float>.KerasDefaults),
                };
                foreach (var g in gradients)
                {
                    p.Grad = Tensor<float>.FromArray((float[])g.Clone(), length);
                    optimizer.Step();
                }
                return p.ToArray();
            }
            finally { DeepLite.Kernels.Parallelism.MaxThreads = previous; }
        }
        Assert.Equal(Run(1), Run(2));
    }
}
