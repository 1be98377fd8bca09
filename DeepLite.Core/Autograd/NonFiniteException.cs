namespace DeepLite.Autograd;

/// <summary>
/// A NaN or infinity where a finite number was required: a diverging loss, a gradient, a value checked by
/// <see cref="AnomalyMode"/>, or a checkpoint's weights. The message names where it was found.
/// </summary>
public sealed class NonFiniteException(string message) : ArithmeticException(message)
{
    /// <summary>The index of the first non-finite element of <paramref name="values"/>, or -1 when all are finite.</summary>
    public static int FirstNonFinite<T>(ReadOnlySpan<T> values) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i])) return i;
        return -1;
    }
}
