using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepLite.Optimizers;

/// <summary>
/// An optimizer's update formula for one parameter element and its state, written as a struct with a scalar and a
/// vector form side by side (the pattern of TensorPrimitives' operators): <see cref="UpdateRule.Apply{T, TRule}"/>
/// drives both over a parameter, vectors first, the tail element by element. The vector form must compute what the
/// scalar one does, lane by lane, so that the result does not depend on where the vector loop stops. A rule that keeps a
/// third buffer (AMSGrad's largest second moment) holds it as a span field, being a ref struct: a third span parameter
/// here made every small net's step 5-10 % slower (the loop's spans no longer all stayed in registers).
/// </summary>
internal interface IUpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Updates element <paramref name="i"/> of <paramref name="p"/> from the gradient <paramref name="g"/>, and of the
    /// state buffers it uses (each rule names them by meaning in its own methods: Adam's m and v, SGD's momentum).
    /// </summary>
    void Scalar(Span<T> p, ReadOnlySpan<T> g, Span<T> firstState, Span<T> secondState, int i);

    /// <summary>Updates elements <paramref name="i"/> .. i + Vector&lt;T&gt;.Count - 1 the same way.</summary>
    void Vector(Span<T> p, ReadOnlySpan<T> g, Span<T> firstState, Span<T> secondState, int i);
}

/// <summary>The one loop that applies an <see cref="IUpdateRule{T}"/>, and the helpers rules share.</summary>
internal static class UpdateRule
{
    /// <summary>Applies <paramref name="rule"/> to every element of <paramref name="p"/> (state buffers unused by the rule may be empty).</summary>
    // Never inlined: inlined into the worker pool's share under tiered PGO, the share's inlining budget runs out before
    // Span.Slice and Vector.CopyTo, which then stay calls inside the loop. Unlike the kernels' loops not marked
    // AggressiveOptimization (docs/architecture.md, "JIT tiers"): compiled that way the MNIST MLP's steady epochs in a
    // consumer's process took 0.239 s against 0.225 s with tiered PGO's code, and 0.246 against 0.240 s with the
    // tier-1 code of the package's default (dynamic PGO off).
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Apply<T, TRule>(in TRule rule, Span<T> p, ReadOnlySpan<T> g, Span<T> firstState, Span<T> secondState)
        where T : unmanaged, IFloatingPointIeee754<T> where TRule : struct, IUpdateRule<T>, allows ref struct
    {
        int width = Vector<T>.Count, i = 0;
        int vectorized = System.Numerics.Vector.IsHardwareAccelerated ? p.Length - p.Length % width : 0;
        for (; i < vectorized; i += width) rule.Vector(p, g, firstState, secondState, i);
        for (; i < p.Length; i++) rule.Scalar(p, g, firstState, secondState, i);
    }

    /// <summary>
    /// Zero for a subnormal value: a running average decaying toward zero would otherwise sit in subnormals, which
    /// cost 100x per operation on x86.
    /// </summary>
    public static T Flush<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.IsSubnormal(x) ? T.Zero : x;

    /// <summary>The vector form of <see cref="Flush{T}(T)"/>: lanes below the smallest normal in magnitude become zero (NaN stays).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Flush<T>(Vector<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.LessThan(System.Numerics.Vector.Abs(x), new Vector<T>(SmallestNormal<T>.Value)), Vector<T>.Zero, x);

    private static class SmallestNormal<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly T Value = typeof(T) == typeof(float) ? T.CreateChecked(1.17549435E-38f) : T.CreateChecked(2.2250738585072014E-308);
    }
}
