namespace DeepLite.Data;

/// <summary>
/// A character-level text corpus (nanoGPT's shakespeare_char <c>prepare.py</c>): the text, its vocabulary (the distinct
/// characters, sorted by code point), and the text as token ids split into the first 90 % for training and the last 10 %
/// for validation. <see cref="DataStore.LoadText"/> makes one from a checksum-verified file.
/// </summary>
public sealed class TextDataset
{
    private readonly Dictionary<char, int> _index;

    /// <summary>Tokenizes <paramref name="text"/> by character; <paramref name="trainFraction"/> of it (from the start) is the training split.</summary>
    public TextDataset(string name, string text, double trainFraction = 0.9)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!(trainFraction is > 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(trainFraction), $"TextDataset: the training fraction must be in (0, 1), got {trainFraction}.");
        if (text.Length < 2) throw new ArgumentException($"TextDataset '{name}': {text.Length} characters are too few to split.");
        Name = name; Text = text;
        Vocabulary = text.Distinct().Order().ToArray();
        _index = Vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var tokens = Encode(text);
        int split = (int)(tokens.Length * trainFraction);
        Train = tokens[..split];
        Validation = tokens[split..];
    }

    /// <summary>The dataset's name.</summary>
    public string Name { get; }
    /// <summary>The whole text.</summary>
    public string Text { get; }
    /// <summary>The distinct characters in code-point order; a token is an index into it.</summary>
    public IReadOnlyList<char> Vocabulary { get; }
    /// <summary>The first part of the text as tokens.</summary>
    public int[] Train { get; }
    /// <summary>The rest of the text as tokens.</summary>
    public int[] Validation { get; }
    /// <summary>Where the store found the file, as <see cref="DatasetLocation"/> says it.</summary>
    public DatasetLocation? Location { get; init; }

    /// <summary>The tokens of <paramref name="text"/>; a character outside the vocabulary is an error naming it and its position.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
            tokens[i] = _index.TryGetValue(text[i], out int t) ? t : throw new ArgumentException($"TextDataset '{Name}': character U+{(int)text[i]:X4} at position {i} is not in the vocabulary.");
        return tokens;
    }

    /// <summary>The text of <paramref name="tokens"/>.</summary>
    public string Decode(IEnumerable<int> tokens) => new([.. tokens.Select(t => (uint)t < (uint)Vocabulary.Count ? Vocabulary[t] : throw new ArgumentOutOfRangeException(nameof(tokens), $"Token {t} is outside the vocabulary of {Vocabulary.Count}."))]);
}
