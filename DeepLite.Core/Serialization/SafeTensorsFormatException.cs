namespace DeepLite.Serialization;

/// <summary>
/// A safetensors file (or what a module or optimizer expects of it) is not right: the message names the
/// file, the tensor when one is at fault, what was expected and what was found, and the byte offset
/// where it applies.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    public SafeTensorsFormatException(string file, string? tensor, string problem, long? offset = null, Exception? inner = null)
        : base($"{file}: {(tensor is null ? "" : $"tensor '{tensor}': ")}{problem}{(offset is long o ? $" (at byte offset {o})" : "")}", inner)
    {
        File = file; Tensor = tensor; Offset = offset;
    }

    /// <summary>The file at fault.</summary>
    public string File { get; }

    /// <summary>The tensor at fault, when the problem is one tensor's.</summary>
    public string? Tensor { get; }

    /// <summary>The byte offset of the problem in the file, when known.</summary>
    public long? Offset { get; }
}
