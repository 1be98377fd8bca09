namespace DeepLite.Kernels;

/// <summary>
/// The sizes of <see cref="CausalAttention"/>'s operands: <see cref="Batch"/> sequences of <see cref="T"/> rows, each row
/// <see cref="Heads"/> blocks of <see cref="Dk"/> (queries, keys) or <see cref="Dv"/> (values, output) values.
/// </summary>
internal readonly record struct AttentionLayout(int Batch, int T, int Heads, int Dk, int Dv)
{
    /// <summary>The row stride of the queries and keys, H·dk.</summary>
    public int KeyStride => Heads * Dk;

    /// <summary>The row stride of the values and the output, H·dv.</summary>
    public int ValueStride => Heads * Dv;

    /// <summary>
    /// Head <paramref name="head"/> (sequence head / H, block head % H) of <paramref name="data"/> from <paramref name="offset"/>:
    /// from its first row's block to its last row's, a T x <paramref name="width"/> matrix of row stride H·width.
    /// </summary>
    public Span<TValue> Rows<TValue>(TValue[] data, int offset, int head, int width)
    {
        int stride = Heads * width;
        int start = offset + (head / Heads) * T * stride + (head % Heads) * width;
        return data.AsSpan(start, T == 0 ? 0 : (T - 1) * stride + width);
    }
}
