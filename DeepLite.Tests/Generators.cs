using DeepLite.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace DeepLite.Tests;

/// <summary>A random tensor description: shape and the seed its values are drawn from.</summary>
public sealed record TensorCase(int[] Dims, int Seed)
{
    public Tensor<double> Make(double low = -2, double high = 2) => Tensor<double>.Uniform(new Shape(Dims), low, high, new SeededRandom(Seed));
    public override string ToString() => $"{Shape.Format(Dims)} seed {Seed}";
}

/// <summary>Two operands whose shapes broadcast together (either side may be the smaller).</summary>
public sealed record BroadcastCase(int[] A, int[] B, int Seed)
{
    public override string ToString() => $"{Shape.Format(A)} with {Shape.Format(B)} seed {Seed}";
}

/// <summary>A matrix product case: sizes, transposes and an optional batch.</summary>
public sealed record MatMulCase(int M, int K, int N, bool TransA, bool TransB, int Batch, bool BroadcastB, int Seed);

public static class Generators
{
    public static Gen<int[]> Dims(int minRank, int maxRank, int maxDim = 5) =>
        from rank in Gen.Choose(minRank, maxRank)
        from dims in Gen.ArrayOf(Gen.Choose(1, maxDim), rank)
        select dims;

    public static Gen<int> Seeds => Gen.Choose(0, int.MaxValue - 10);

    public static Arbitrary<TensorCase> Tensors(int minRank = 1, int maxRank = 4) =>
        (from dims in Dims(minRank, maxRank) from seed in Seeds select new TensorCase(dims, seed)).ToArbitrary();

    public static Arbitrary<BroadcastCase> Broadcasts() =>
        (from full in Dims(1, 4)
         from drop in Gen.Choose(0, full.Length - 1)
         from ones in Gen.ArrayOf(Gen.Elements(true, false), full.Length)
         from swap in Gen.Elements(true, false)
         from seed in Seeds
         let small = full.Skip(drop).Select((d, i) => ones[i + drop] ? 1 : d).ToArray()
         select swap ? new BroadcastCase(small, full, seed) : new BroadcastCase(full, small, seed)).ToArbitrary();

    public static Arbitrary<MatMulCase> MatMuls() =>
        (from m in Gen.Choose(1, 7)
         from k in Gen.Choose(1, 7)
         from n in Gen.Choose(1, 7)
         from ta in Gen.Elements(true, false)
         from tb in Gen.Elements(true, false)
         from batch in Gen.Choose(0, 3)
         from bcast in Gen.Elements(true, false)
         from seed in Seeds
         select new MatMulCase(m, k, n, ta, tb, batch, bcast && !ta, seed)).ToArbitrary();
}
