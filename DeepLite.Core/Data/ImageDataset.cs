using DeepLite.Tensors;
using System.Runtime.CompilerServices;

namespace DeepLite.Data;

/// <summary>
/// Images and class labels held compactly as bytes (N x C x H x W, row-major) and converted to
/// float in [0, 1] when a tensor or a batch is asked for, then normalized with the dataset's <see cref="Normalization"/>
/// if it has one (<see cref="Normalized"/>: PyTorch's <c>transforms.Normalize</c> given to the dataset, so every loader
/// and every evaluation over it sees the same inputs).
/// </summary>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset; <paramref name="pixels"/> holds count*channels*height*width bytes.</summary>
    public ImageDataset(string name, byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
        : this(name, pixels, 0, labels, channels, height, width, classNames)
    {
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.LongLength != expected)
            throw new ArgumentException($"{name}: {pixels.LongLength} pixel bytes for {labels.Length} images of {channels}x{height}x{width} (expected {expected}).");
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new ArgumentException($"{name}: label {labels[i]} of image {i} is outside 0..{classNames.Count - 1}.");
    }

    /// <summary>A dataset whose images start at image <paramref name="firstImage"/> of <paramref name="pixels"/> (a view: checked by its maker).</summary>
    private ImageDataset(string name, byte[] pixels, int firstImage, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames)
    {
        Name = name; _pixels = pixels; _firstImage = firstImage; Labels = labels; Channels = channels; Height = height; Width = width; ClassNames = classNames;
    }

    // The images may be a range of a larger dataset's bytes (Take, Slice): image i is at (_firstImage + i)·ImageSize.
    private readonly byte[] _pixels;
    private readonly int _firstImage;

    /// <summary>The dataset's name, e.g. "mnist/train".</summary>
    public string Name { get; }
    /// <summary>Raw pixel bytes, image after image, each C x H x W (for a view, its range of the shared bytes).</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels.AsMemory(_firstImage * ImageSize, Count * ImageSize);
    /// <summary>Class index of each image.</summary>
    public int[] Labels { get; }
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;
    /// <summary>Channels per image.</summary>
    public int Channels { get; }
    /// <summary>Image height.</summary>
    public int Height { get; }
    /// <summary>Image width.</summary>
    public int Width { get; }
    /// <summary>Values per image (C*H*W).</summary>
    public int ImageSize => Channels * Height * Width;
    /// <summary>The class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The per-channel normalization applied after scaling pixels to [0, 1], or null for plain [0, 1].</summary>
    public Normalization? Normalization { get; private init; }

    /// <summary>
    /// The same images (a view sharing the bytes) normalized with <paramref name="normalization"/> whenever they are
    /// read: by <see cref="ToTensor()"/>, a <see cref="DataLoader"/> or an evaluation. Normalize the training and the test
    /// split alike (<see cref="DatasetSplits.Normalized"/>), or a model is scored on inputs unlike its training data.
    /// </summary>
    public ImageDataset Normalized(Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Mean.Length != Channels || normalization.Std.Length != Channels)
            throw new ArgumentException($"Normalization has {normalization.Mean.Length} means and {normalization.Std.Length} deviations for {Channels} channels of {Name}.");
        if (normalization.Std.Any(s => !(s > 0) || !float.IsFinite(s)) || normalization.Mean.Any(m => !float.IsFinite(m)))
            throw new ArgumentException($"Normalization of {Name}: every mean must be finite and every deviation positive and finite, got {normalization}.");
        return new ImageDataset(Name, _pixels, _firstImage, Labels, Channels, Height, Width, ClassNames) { Normalization = normalization };
    }

    /// <summary>Images per class, indexed by label.</summary>
    public int[] ClassCounts()
    {
        var counts = new int[ClassNames.Count];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>All images as a [N, C, H, W] tensor scaled to [0, 1], then normalized if the dataset is.</summary>
    public Tensor<float> ToTensor()
    {
        var t = new Tensor<float>(new Shape(Count, Channels, Height, Width));
        WriteImages(Enumerable.Range(0, Count).ToArray(), t.Span);
        return t;
    }

    /// <summary>0.1.0's <c>ToTensor(normalization)</c>: <c>Normalized(normalization).ToTensor()</c>. Removed in 0.3.0.</summary>
    [Obsolete("Normalization belongs to the dataset: dataset.Normalized(normalization).ToTensor() (removed in 0.3.0).")]
    public Tensor<float> ToTensor(Normalization? normalization) => (normalization is null ? this : Normalized(normalization)).ToTensor();

    /// <summary>0.1.0's <c>WriteImages(indices, destination, normalization)</c>. Removed in 0.3.0.</summary>
    [Obsolete("Normalization belongs to the dataset: dataset.Normalized(normalization).WriteImages(indices, destination) (removed in 0.3.0).")]
    public void WriteImages(ReadOnlySpan<int> indices, Span<float> destination, Normalization? normalization) =>
        (normalization is null ? this : Normalized(normalization)).WriteImages(indices, destination);

    /// <summary>Writes the images at <paramref name="indices"/> into <paramref name="destination"/> as floats (normalized if the dataset is).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void WriteImages(ReadOnlySpan<int> indices, Span<float> destination)
    {
        if (destination.Length < indices.Length * ImageSize)
            throw new ArgumentException($"{Name}: a buffer of {destination.Length} floats cannot hold {indices.Length} images of {ImageSize} values.");
        for (int n = 0; n < indices.Length; n++) WriteImage(indices[n], destination.Slice(n * ImageSize, ImageSize));
    }

    /// <summary>
    /// <see cref="WriteImages(ReadOnlySpan{int}, Span{float})"/> for images order[start..start+count)
    /// into destination[offset..], split over the worker threads when there are enough pixels: a data loader's batch
    /// is on the training step's path, and the images are independent, so the result does not depend on the split.
    /// </summary>
    internal void WriteImages(int[] order, int start, int count, float[] destination, int offset)
    {
        if ((long)count * ImageSize < Kernels.SplitThresholds.ImagePixels) { WriteImages(order.AsSpan(start, count), destination.AsSpan(offset)); return; }
        Kernels.WorkerPool.For(count, new ImageRange(this, order, start, destination, offset));
    }

    private readonly struct ImageRange(ImageDataset dataset, int[] order, int start, float[] destination, int offset) : Kernels.WorkerPool.IRange
    {
        public void Run(int first, int end)
        {
            for (int n = first; n < end; n++)
                dataset.WriteImage(order[start + n], destination.AsSpan(offset + n * dataset.ImageSize, dataset.ImageSize));
        }
    }

    /// <summary>Image <paramref name="index"/> as floats into <paramref name="destination"/> (its first <see cref="ImageSize"/> elements).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteImage(int index, Span<float> destination)
    {
        var normalization = Normalization;
        int size = ImageSize, plane = Height * Width;
        var src = _pixels.AsSpan((_firstImage + index) * size, size);
        for (int c = 0; c < Channels; c++)
        {
            float scale = 1f / 255f, shift = 0f;
            if (normalization is not null)
            {
                // (x/255 - mean) / std folded into one multiply-add.
                scale /= normalization.Std[c];
                shift = -normalization.Mean[c] / normalization.Std[c];
            }
            Kernels.Elementwise.ScaleBytes(src.Slice(c * plane, plane), scale, shift, destination.Slice(c * plane, plane));
        }
    }

    /// <summary>The first <paramref name="count"/> images: a view sharing this dataset's image bytes (PyTorch's <c>Subset(ds, range(count))</c>).</summary>
    public ImageDataset Take(int count)
    {
        if (count < 0 || count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"{Name} has {Count} images; cannot take {count}.");
        return Slice(0, count, $"{Name}[:{count}]");
    }

    /// <summary>
    /// Images <paramref name="start"/> .. start + <paramref name="count"/> - 1: a view sharing this dataset's image bytes
    /// (only the labels, 4 bytes an image, are copied); PyTorch's <c>Subset(ds, range(start, start + count))</c>.
    /// </summary>
    public ImageDataset Slice(int start, int count)
    {
        if (start < 0 || count < 0 || (long)start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"{Name} has {Count} images; cannot slice {count} from {start}.");
        return Slice(start, count, $"{Name}[{start}:{start + count}]");
    }

    private ImageDataset Slice(int start, int count, string name) =>
        new(name, _pixels, _firstImage + start, Labels[start..(start + count)], Channels, Height, Width, ClassNames) { Normalization = Normalization };

    /// <summary>A seeded random sample of <paramref name="perClass"/> images of every class (in their original order).</summary>
    public ImageDataset SamplePerClass(int perClass, long seed)
    {
        var random = new SeededRandom(seed);
        var chosen = new List<int>();
        for (int c = 0; c < ClassNames.Count; c++)
        {
            var members = Enumerable.Range(0, Count).Where(i => Labels[i] == c).ToArray();
            if (members.Length < perClass)
                throw new ArgumentOutOfRangeException(nameof(perClass), $"{Name} has only {members.Length} images of class {c} ({ClassNames[c]}); asked for {perClass}.");
            random.Shuffle<int>(members);
            chosen.AddRange(members.Take(perClass));
        }
        chosen.Sort();
        return Select(chosen.ToArray(), $"{Name}[{perClass}/class, seed {seed}]");
    }

    /// <summary>
    /// The same images with the labels permuted once by a seeded random permutation (the random-label
    /// experiment: the label histogram is kept, the link between image and label is destroyed).
    /// </summary>
    public ImageDataset WithPermutedLabels(long seed)
    {
        var perm = new SeededRandom(seed).Permutation(Count);
        var labels = new int[Count];
        for (int i = 0; i < Count; i++) labels[i] = Labels[perm[i]];
        return new ImageDataset($"{Name}[labels permuted, seed {seed}]", _pixels, _firstImage, labels, Channels, Height, Width, ClassNames) { Normalization = Normalization };
    }

    private ImageDataset Select(int[] indices, string name)
    {
        int size = ImageSize;
        var pixels = new byte[(long)indices.Length * size];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            _pixels.AsSpan((_firstImage + indices[i]) * size, size).CopyTo(pixels.AsSpan(i * size, size));
            labels[i] = Labels[indices[i]];
        }
        return new ImageDataset(name, pixels, labels, Channels, Height, Width, ClassNames) { Normalization = Normalization };
    }
}

/// <summary>Per-channel mean and standard deviation applied after scaling pixels to [0, 1].</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>True when both have the same means and deviations (record equality compares the arrays by reference).</summary>
    public bool SameAs(Normalization? other) => other is not null && Mean.AsSpan().SequenceEqual(other.Mean) && Std.AsSpan().SequenceEqual(other.Std);

    /// <inheritdoc/>
    public override string ToString() => $"mean ({string.Join(", ", Mean)}), std ({string.Join(", ", Std)})";

    /// <summary>The usual MNIST statistics (0.1307, 0.3081).</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);
    /// <summary>The usual CIFAR-10 training-set statistics.</summary>
    public static Normalization Cifar10 { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]);
}

/// <summary>A dataset's training and test splits.</summary>
public sealed record DatasetSplits
{
    /// <summary>Pairs the splits.</summary>
    public DatasetSplits(ImageDataset train, ImageDataset test, string source)
    {
        Train = train; Test = test; Source = source;
    }

    /// <summary>Both splits normalized alike (<see cref="ImageDataset.Normalized"/>): the usual way to normalize, so that a model is trained and scored on the same inputs.</summary>
    public DatasetSplits Normalized(Normalization normalization) => this with { Train = Train.Normalized(normalization), Test = Test.Normalized(normalization) };

    /// <summary>The training split.</summary>
    public ImageDataset Train { get; init; }
    /// <summary>The test split.</summary>
    public ImageDataset Test { get; init; }
    /// <summary>Where the files were found, in one line: origin, folder, pinned variant.</summary>
    public string Source { get; init; }

    /// <summary>Where a <see cref="DataStore"/> found the files, field by field (null for splits made otherwise).</summary>
    public DatasetLocation? Location { get; init; }

    /// <summary>Deconstructs into (train, test, source).</summary>
    public void Deconstruct(out ImageDataset train, out ImageDataset test, out string source) => (train, test, source) = (Train, Test, Source);
}
