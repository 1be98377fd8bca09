using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// A lookup table (PyTorch's <c>nn.Embedding(num_embeddings, embedding_dim)</c>): index i selects row i of
/// <c>weight</c> [num, dim], so indices of shape [...] give [..., dim]. The weight starts N(0, 1) as PyTorch's, drawn from
/// the generator given (else <see cref="LayerDefaults"/>'), or from the weight rule of an initializer when one is given.
/// The gradient of a row is the sum of the gradients of the positions that selected it.
/// </summary>
public sealed class Embedding<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the table.</summary>
    public Embedding(int count, int dimension, SeededRandom? random = null, Initializer? init = null)
    {
        if (count <= 0 || dimension <= 0) throw new ArgumentException($"Embedding needs positive sizes, got {count} x {dimension}.");
        Count = count; Dimension = dimension;
        Weight = RegisterParameter("weight", (init ?? Initializer.Normal()).Weight<T>(new Shape(count, dimension), dimension, count, random ?? LayerDefaults.Random));
    }

    /// <summary>The number of rows (PyTorch's num_embeddings).</summary>
    public int Count { get; }
    /// <summary>The size of each row (embedding_dim).</summary>
    public int Dimension { get; }
    /// <summary>The table, [count, dimension].</summary>
    public Tensor<T> Weight { get; }

    /// <summary>The rows of <paramref name="indices"/>: [..., dimension] for indices of shape [...].</summary>
    public Tensor<T> Forward(IndexTensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        foreach (var i in indices.Span)
            if ((uint)i >= (uint)Count) throw new IndexOutOfRangeException($"Embedding({Count} x {Dimension}): index {i} is out of range 0..{Count - 1}.");
        return Weight.IndexSelect(0, indices.Reshape(-1)).Reshape([.. indices.Shape.Dims, Dimension]);
    }

    /// <summary>
    /// The rows of indices held as numbers (whole numbers in 0..count - 1, as a <see cref="Sequential{T}"/> passes them);
    /// anything else is refused.
    /// </summary>
    public override Tensor<T> Forward(Tensor<T> input) => Forward(IndexTensor.FromWholeNumbers(input, $"Embedding({Count} x {Dimension})"));

    /// <inheritdoc/>
    protected override string Describe() => $"Embedding({Count}, {Dimension})";
}
