namespace DeepLite.Tensors;

/// <summary>
/// A height and a width: a window's kernel size, stride or dilation. Converts from one int (both the same, PyTorch's
/// <c>kernel_size=3</c>) and from a tuple (<c>kernel_size=(3, 5)</c>), so <c>kernelSize: 3</c> and <c>stride: (1, 2)</c> both read naturally.
/// </summary>
/// <param name="Height">The vertical size.</param>
/// <param name="Width">The horizontal size.</param>
public readonly record struct Size2D(int Height, int Width)
{
    /// <summary>Both sizes <paramref name="size"/>.</summary>
    public static implicit operator Size2D(int size) => new(size, size);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2D((int Height, int Width) size) => new(size.Height, size.Width);

    /// <summary>Whether both sizes are the same.</summary>
    public bool IsSquare => Height == Width;

    /// <inheritdoc/>
    public override string ToString() => IsSquare ? $"{Height}" : $"{Height}x{Width}";
}
