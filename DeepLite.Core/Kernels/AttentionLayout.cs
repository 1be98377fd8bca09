namespace DeepLite.Kernels;

/// <summary>
/// The sizes of <see cref="CausalAttention"/>'s operands: <see cref="Batch"/> sequences of <see cref="T"/> rows, each row
/// <see cref="Heads"/> blocks of <see cref="Dk"/> (queries, keys) or <see cref="Dv"/> (values, output) values. The queries
/// and keys rows lie <see cref="KeyStride"/> apart and the values' <see cref="ValueStride"/>: H·dk and H·dv for tensors of
/// their own, 3·H·d for the q, k and v blocks of one projection's [B, T, 3C] output. The output's rows are H·dv apart.
/// </summary>
internal readonly record struct AttentionLayout(int Batch, int T, int Heads, int Dk, int Dv, int KeyStride, int ValueStride)
{
    /// <summary>Queries, keys and values in tensors of their own: rows H·dk and H·dv long.</summary>
    public static AttentionLayout Separate(int batch, int t, int heads, int dk, int dv) => new(batch, t, heads, dk, dv, heads * dk, heads * dv);

    /// <summary>The row stride of the output and of its gradient, H·dv.</summary>
    public int OutputStride => Heads * Dv;

    /// <summary>
    /// Head <paramref name="head"/> (sequence head / H, block head % H) of <paramref name="data"/> from <paramref name="offset"/>:
    /// from its first row's block to its last row's, a T x <paramref name="width"/> matrix of row stride <paramref name="stride"/>.
    /// </summary>
    public Span<TValue> Rows<TValue>(TValue[] data, int offset, int head, int width, int stride)
    {
        int start = offset + (head / Heads) * T * stride + (head % Heads) * width;
        return data.AsSpan(start, T == 0 ? 0 : (T - 1) * stride + width);
    }
}
