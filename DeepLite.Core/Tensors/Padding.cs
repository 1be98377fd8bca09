namespace DeepLite.Tensors;

/// <summary>
/// Zero padding of a convolution or pooling window, per side.
/// <see cref="Same"/> follows Keras/TensorFlow: the output is ceil(input / stride) and an odd total goes
/// one more to the bottom/right (with stride 2 on an even size: 0 before, 1 after). PyTorch's
/// <c>padding=p</c> pads p on every side: that is <see cref="Symmetric"/>. Both keep the size at stride 1
/// with odd kernels, and then agree.
/// </summary>
public readonly record struct Padding
{
    private Padding(bool same, int top, int bottom, int left, int right)
    {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) throw new ArgumentOutOfRangeException(nameof(top), $"Padding cannot be negative: {top}, {bottom}, {left}, {right}.");
        IsSame = same; Top = top; Bottom = bottom; Left = left; Right = right;
    }

    /// <summary>True for "same" padding, resolved against the input size when used.</summary>
    public bool IsSame { get; }
    /// <summary>Rows of zeros above.</summary>
    public int Top { get; }
    /// <summary>Rows of zeros below.</summary>
    public int Bottom { get; }
    /// <summary>Columns of zeros on the left.</summary>
    public int Left { get; }
    /// <summary>Columns of zeros on the right.</summary>
    public int Right { get; }

    /// <summary>No padding ("valid").</summary>
    public static Padding Valid => new(false, 0, 0, 0, 0);

    /// <summary>Keras/TensorFlow "same" padding.</summary>
    public static Padding Same => new(true, 0, 0, 0, 0);

    /// <summary>The same number of zeros on every side (PyTorch's padding=p).</summary>
    public static Padding Symmetric(int p) => new(false, p, p, p, p);

    /// <summary>Explicit zeros per side.</summary>
    public static Padding Explicit(int top, int bottom, int left, int right) => new(false, top, bottom, left, right);

    /// <summary>The padding per side for an input of height x width, kernel and stride.</summary>
    public (int Top, int Bottom, int Left, int Right) Resolve(int height, int width, int kernelH, int kernelW, int strideH, int strideW)
    {
        if (!IsSame) return (Top, Bottom, Left, Right);
        static (int, int) Side(int size, int k, int s)
        {
            int output = (size + s - 1) / s;
            int total = Math.Max((output - 1) * s + k - size, 0);
            return (total / 2, total - total / 2);
        }
        var (t, b) = Side(height, kernelH, strideH);
        var (l, r) = Side(width, kernelW, strideW);
        return (t, b, l, r);
    }

    /// <inheritdoc/>
    public override string ToString() => IsSame ? "same" : Top == 0 && Bottom == 0 && Left == 0 && Right == 0 ? "valid" : $"({Top}, {Bottom}, {Left}, {Right})";
}
