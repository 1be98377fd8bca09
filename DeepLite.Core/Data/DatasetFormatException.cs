namespace DeepLite.Data;

/// <summary>
/// A dataset file is not what its format promises: the message names the file, what was expected,
/// what was found and, where it applies, the byte offset.
/// </summary>
public sealed class DatasetFormatException : IOException
{
    /// <summary>Creates the exception; <paramref name="offset"/> is the byte offset of the problem, when known.</summary>
    public DatasetFormatException(string file, string problem, long? offset = null, Exception? inner = null)
        : base($"{file}: {problem}{(offset is long o ? $" (at byte offset {o})" : "")}", inner)
    {
        File = file; Offset = offset;
    }

    /// <summary>The file (or archive member) at fault.</summary>
    public string File { get; }

    /// <summary>The byte offset of the problem, when known.</summary>
    public long? Offset { get; }
}
