using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Autograd;

/// <summary>
/// Opt-in checking for NaN and infinity (PyTorch's <c>torch.autograd.detect_anomaly()</c>): while enabled on a
/// thread, every recorded op's result and every gradient the backward pass computes is checked, and the first
/// non-finite one throws <see cref="NonFiniteException"/> naming the op, whether it was the forward or the
/// backward, the element, and whether its inputs were already non-finite. It reads every value once more, so
/// enable it to find a NaN, not for every run: <c>using (AnomalyMode.Enable()) { step }</c>.
/// </summary>
public static class AnomalyMode
{
    [ThreadStatic] private static bool _enabled;

    /// <summary>True while checking is on for this thread.</summary>
    public static bool IsEnabled => _enabled;

    /// <summary>Turns checking on until the returned scope ends.</summary>
    public static Scope Enable() => new(true);

    /// <summary>Restores the previous state when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _previous;

        internal Scope(bool enabled)
        {
            _previous = _enabled;
            _enabled = enabled;
        }

        /// <inheritdoc/>
        public void Dispose() => _enabled = _previous;
    }

    /// <summary>Throws when the result of <paramref name="op"/> holds a non-finite value.</summary>
    internal static void CheckForward<T>(Tensor<T> result, string op, Tensor<T>[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int at = NonFiniteException.FirstNonFinite<T>(result.Span);
        if (at < 0) return;
        throw new NonFiniteException($"Anomaly in the forward pass: '{op}' produced {result.Span[at]} at element {at} of its result (shape {result.Shape}) " +
            $"from {Describe(inputs)}.");
    }

    /// <summary>Throws when the backward of <paramref name="op"/> gave input <paramref name="input"/> a non-finite gradient.</summary>
    internal static void CheckBackward<T>(Tensor<T> gradient, string op, int input, Tensor<T> incoming) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int at = NonFiniteException.FirstNonFinite<T>(gradient.Span);
        if (at < 0) return;
        bool finiteIn = NonFiniteException.FirstNonFinite<T>(incoming.Span) < 0;
        throw new NonFiniteException($"Anomaly in the backward pass: the backward of '{op}' produced {gradient.Span[at]} at element {at} of the gradient of its input {input} " +
            $"(shape {gradient.Shape}) from {(finiteIn ? "a finite" : "an already non-finite")} incoming gradient.");
    }

    private static string Describe<T>(Tensor<T>[] inputs) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var bad = inputs.Select((t, i) => (t, i)).Where(p => NonFiniteException.FirstNonFinite<T>(p.t.Span) >= 0).ToList();
        if (bad.Count == 0) return "finite inputs: this op is where the first non-finite value appeared";
        return "inputs that were already non-finite (" + string.Join(", ", bad.Select(p => $"input {p.i}, shape {p.t.Shape}, " +
            (p.t.IsLeaf ? "a leaf: data or a parameter" : $"made by '{p.t.GradFunction}'"))) + ")";
    }
}
