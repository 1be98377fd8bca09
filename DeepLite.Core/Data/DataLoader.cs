using DeepLite.Tensors;

namespace DeepLite.Data;

/// <summary>
/// One mini-batch. The loader reuses this object and its buffers for every batch, so copy what you
/// need to keep past the next batch.
/// </summary>
public sealed class Batch
{
    private readonly int[] _labels;
    private readonly Tensor<float> _full;

    internal Batch(Tensor<float> full, int[] labels)
    {
        _full = full; _labels = labels; Images = full;
    }

    /// <summary>Images, [Count, C, H, W].</summary>
    public Tensor<float> Images { get; private set; }

    /// <summary>Number of samples in this batch.</summary>
    public int Count { get; private set; }

    /// <summary>Class labels of the batch's samples.</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, Count);

    /// <summary>Index of this batch within its epoch.</summary>
    public int Index { get; private set; }

    internal Span<int> LabelBuffer => _labels;

    internal void Set(int count, int index)
    {
        Count = count; Index = index;
        // A short last batch is a view on the first rows of the same buffer.
        if (Images.Shape[0] != count) Images = count == _full.Shape[0] ? _full : _full.SliceBatch(0, count);
    }
}

/// <summary>
/// Iterates a dataset in mini-batches: optional seeded shuffling (the order of epoch e depends only on
/// the seed and e, so a resumed run sees the same batches), optional dropping of a short last batch,
/// normalized as the dataset is (<see cref="ImageDataset.Normalized"/>). Batches are written into buffers allocated once.
/// </summary>
public sealed class DataLoader
{
    private readonly ImageDataset _dataset;
    private readonly int[] _order;
    private readonly Batch _batch;

    /// <summary>0.1.0's loader that normalized the batches itself. Removed in 0.3.0.</summary>
    [Obsolete("Normalization belongs to the dataset: new DataLoader(dataset.Normalized(normalization), batchSize, shuffle, seed, dropLast) (removed in 0.3.0).")]
    public DataLoader(ImageDataset dataset, int batchSize, bool shuffle, long seed, bool dropLast, Normalization? normalization)
        : this(normalization is null || dataset is null ? dataset! : dataset.Normalized(normalization), batchSize, shuffle, seed, dropLast) { }

    /// <summary>Creates a loader.</summary>
    public DataLoader(ImageDataset dataset, int batchSize, bool shuffle = true, long seed = 0, bool dropLast = false)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"Batch size must be positive, got {batchSize}.");
        _dataset = dataset; BatchSize = batchSize; Shuffle = shuffle; Seed = seed; DropLast = dropLast;
        _order = new int[dataset.Count];
        // Never from the pool, even when made inside a scope: the batch lives across steps.
        _batch = new Batch(Tensor<float>.Unpooled(new Shape(batchSize, dataset.Channels, dataset.Height, dataset.Width)), new int[batchSize]);
    }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch visits the samples in a seeded random order.</summary>
    public bool Shuffle { get; }
    /// <summary>The shuffling seed.</summary>
    public long Seed { get; }
    /// <summary>Whether a short last batch is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>The normalization applied to images (the dataset's), or null for plain [0, 1].</summary>
    public Normalization? Normalization => _dataset.Normalization;

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch => DropLast ? _dataset.Count / BatchSize : (_dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The sample order of epoch <paramref name="epoch"/> (a fresh array).</summary>
    public int[] Order(int epoch)
    {
        FillOrder(epoch);
        return (int[])_order.Clone();
    }

    private void FillOrder(int epoch)
    {
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        if (Shuffle) new SeededRandom(Seed * 1_000_003 + epoch).Shuffle<int>(_order);
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based). The yielded batch object is reused.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        FillOrder(epoch);
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            int start = b * BatchSize, count = Math.Min(BatchSize, _dataset.Count - start);
            var indices = _order.AsSpan(start, count);
            _batch.Set(count, b);
            _dataset.WriteImages(_order, start, count, _batch.Images.Buffer, _batch.Images.Offset);
            for (int i = 0; i < count; i++) _batch.LabelBuffer[i] = _dataset.Labels[indices[i]];
            yield return _batch;
        }
    }
}
