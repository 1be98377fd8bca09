using System.Security.Cryptography;

namespace DeepLite.Data;

/// <summary>Where the data store looks and how it downloads.</summary>
public sealed record DataStoreOptions
{
    /// <summary>The cache folder (downloads land here): DEEPLITE_DATA, else ~/.cache/deeplite/datasets (XDG_CACHE_HOME honoured).</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory();

    /// <summary>A read-only folder with the official file names under one folder per dataset (DEEPLITE_DATA_MIRROR).</summary>
    public string? MirrorDirectory { get; init; } = Environment.GetEnvironmentVariable("DEEPLITE_DATA_MIRROR") is { Length: > 0 } m ? m : null;

    /// <summary>Whether the store may download what it cannot find locally: yes unless DEEPLITE_OFFLINE is 1 (then a missing dataset fails at once, naming where it looked).</summary>
    public bool AllowDownload { get; init; } = Environment.GetEnvironmentVariable("DEEPLITE_OFFLINE") is not "1";

    /// <summary>Tries per address before falling back to the next one.</summary>
    public int AttemptsPerUrl { get; init; } = 3;

    /// <summary>Pause before a retry (multiplied by the attempt number).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The HTTP client for downloads (one with a 10-minute timeout when null).</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Receives download, verification and reading progress.</summary>
    public IProgress<DataProgress>? Progress { get; init; }

    /// <summary>The datasets the store knows (the built-in catalog unless replaced, e.g. by tests).</summary>
    public IReadOnlyDictionary<string, DatasetDefinition> Catalog { get; init; } = DatasetCatalog.All;

    private static string DefaultCacheDirectory()
    {
        if (Environment.GetEnvironmentVariable("DEEPLITE_DATA") is { Length: > 0 } explicitDir) return explicitDir;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "deeplite", "datasets");
    }
}

/// <summary>Where a dataset was found and which pinned variant its bytes matched.</summary>
/// <param name="Name">The dataset's name in <see cref="DatasetCatalog"/>.</param>
/// <param name="Folder">The absolute path of the folder holding its verified files.</param>
/// <param name="Origin">How it got there: "cache", "mirror", a system folder, or "downloaded".</param>
/// <param name="Variant">Which pinned set of SHA-256 hashes the files matched.</param>
public sealed record DatasetLocation(string Name, string Folder, string Origin, string Variant)
{
    /// <summary>"origin: folder (variant)".</summary>
    public override string ToString() => $"{Origin}: {Folder} ({Variant})";
}

/// <summary>
/// Finds datasets and checks them before use: the cache folder, then the mirror folder
/// (DEEPLITE_DATA_MIRROR), then system folders (a distribution's package), then the official download
/// addresses with fallbacks. Every file's content must match a SHA-256 pinned in <see cref="DatasetCatalog"/>.
/// </summary>
public sealed class DataStore(DataStoreOptions? options = null)
{
    private readonly DataStoreOptions _options = options ?? new DataStoreOptions();

    /// <summary>Loads a dataset with the default options (environment variables honoured).</summary>
    public static DatasetSplits Get(string name) => new DataStore().Load(name);

    /// <summary>The options in force.</summary>
    public DataStoreOptions Options => _options;

    /// <summary>Finds (downloading when needed), verifies and parses an image dataset (MNIST, Fashion-MNIST, CIFAR-10).</summary>
    public DatasetSplits Load(string name)
    {
        if (_options.Catalog.TryGetValue(name, out var def) && def.Format == DatasetFormat.Text)
            throw new ArgumentException($"Dataset '{name}' is a text corpus: load it with LoadText.");
        var (location, splits, _) = Resolve(name, parse: true);
        return splits! with { Source = location.ToString(), Location = location };
    }

    /// <summary>
    /// Finds (downloading when needed) and verifies a text corpus (Tiny Shakespeare), then tokenizes it by character with a
    /// 90 % / 10 % split, as nanoGPT's shakespeare_char <c>prepare.py</c>.
    /// </summary>
    public TextDataset LoadText(string name)
    {
        if (!_options.Catalog.TryGetValue(name, out var def) || def.Format != DatasetFormat.Text)
            throw new ArgumentException($"'{name}' is not a text dataset. Known text datasets: {string.Join(", ", _options.Catalog.Values.Where(d => d.Format == DatasetFormat.Text).Select(d => d.Name))}.");
        var (location, _, text) = Resolve(name, parse: true);
        return new TextDataset(def.Name, text!) { Location = location };
    }

    /// <summary>Makes sure a verified copy exists (downloading when needed) and says where it is.</summary>
    public DatasetLocation Fetch(string name) => Resolve(name, parse: false).Location;

    private (DatasetLocation Location, DatasetSplits? Splits, string? Text) Resolve(string name, bool parse)
    {
        if (!_options.Catalog.TryGetValue(name, out var def))
            throw new ArgumentException($"Unknown dataset '{name}'. Known: {string.Join(", ", _options.Catalog.Keys)}.");
        var looked = new List<string>();
        foreach (var (folder, origin) in Places(def))
        {
            var missing = def.Files.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
            if (missing.Count > 0)
            {
                looked.Add($"{origin}: {folder} (missing {string.Join(", ", missing)})");
                continue;
            }
            try
            {
                var (variant, splits, text) = VerifyAndParse(def, folder);
                return (new DatasetLocation(def.Name, folder, origin, variant), parse ? splits : null, parse ? text : null);
            }
            catch (Exception e) when (e is DatasetFormatException or IOException)
            {
                looked.Add($"{origin}: {folder} (present but rejected: {e.Message})");
            }
        }

        if (_options.MirrorDirectory is null) looked.Insert(1, "mirror: DEEPLITE_DATA_MIRROR is not set");
        if (!_options.AllowDownload)
            throw NotFound(def, looked, "downloads are disabled");
        var cache = Path.Combine(_options.CacheDirectory, def.Name);
        try
        {
            Download(def, cache);
            var (variant, splits, text) = VerifyAndParse(def, cache);
            return (new DatasetLocation(def.Name, cache, "downloaded", variant), parse ? splits : null, parse ? text : null);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            looked.Add($"download: {e.Message}");
            throw NotFound(def, looked, "the download failed");
        }
    }

    /// <summary>
    /// The other datasets of the catalog whose files are in none of the places either: an offline run missing MNIST is told
    /// about CIFAR-10 at the same time, not on its next try.
    /// </summary>
    private string AlsoMissing(DatasetDefinition def)
    {
        var others = _options.Catalog.Values.Where(d => d.Name != def.Name && !Places(d).Any(p => d.Files.All(f => File.Exists(Path.Combine(p.Folder, f)))))
            .Select(d => d.Name).ToList();
        return others.Count == 0 ? "" : $"\nAlso not found in these places: {string.Join(", ", others)}.";
    }

    /// <summary>Where a dataset's files are looked for, in order: the cache, the mirror, the system packages' folders.</summary>
    private IEnumerable<(string Folder, string Origin)> Places(DatasetDefinition d)
    {
        yield return (Path.Combine(_options.CacheDirectory, d.Name), "cache");
        if (_options.MirrorDirectory is { } mirror)
            yield return (Path.Combine(mirror, d.Name), mirror == Environment.GetEnvironmentVariable("DEEPLITE_DATA_MIRROR")
                ? "mirror (DEEPLITE_DATA_MIRROR)" : "mirror (DataStoreOptions.MirrorDirectory)");
        foreach (var f in d.SystemFolders) yield return (f, "system package");
    }

    private FileNotFoundException NotFound(DatasetDefinition def, List<string> looked, string why) => new(
        $"Dataset '{def.Name}' was not found ({why}). Looked in:\n  " + string.Join("\n  ", looked) +
        $"\nTo fix: set DEEPLITE_DATA_MIRROR to a folder holding {def.Name}/{string.Join(", ", def.Files)}, " +
        $"or put those files in the cache folder, or run with network access to {string.Join(" or ", def.BaseUrls)}." + AlsoMissing(def));

    private void Download(DatasetDefinition def, string cache)
    {
        using var owned = _options.HttpClient is null ? new HttpClient { Timeout = TimeSpan.FromMinutes(10) } : null;
        var downloader = new Downloader(_options.HttpClient ?? owned!, _options.AttemptsPerUrl, _options.RetryDelay, _options.Progress);
        foreach (var file in def.Files)
        {
            var destination = Path.Combine(cache, file);
            if (File.Exists(destination) && VerifyFile(def, file, destination) is null) continue;
            downloader.Download(def.BaseUrls.Select(u => u + file).ToList(), destination, temp => VerifyFile(def, file, temp));
        }
    }

    /// <summary>Null when the file's content matches a pinned hash, else the reason it does not.</summary>
    private string? VerifyFile(DatasetDefinition def, string file, string path)
    {
        try
        {
            if (def.Format == DatasetFormat.Idx)
            {
                using var stream = File.OpenRead(path);
                var bytes = IdxFile.ReadAllMaybeGzip(stream, path);
                return MatchVariant(def, StripGz(file), bytes, path) is null ? "checksum mismatch" : null;
            }
            if (def.Format == DatasetFormat.Text)
                return MatchVariant(def, file, File.ReadAllBytes(path), path) is null ? "checksum mismatch" : null;
            string? problem = null;
            CifarBinary.Read(path, (name, bytes) => problem ??= MatchVariant(def, name, bytes, path) is null ? $"checksum mismatch in {name}" : null);
            return problem;
        }
        catch (DatasetFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>Verifies every file against the pinned hashes and parses the very bytes verified: image splits, or a corpus's text.</summary>
    private (string Variant, DatasetSplits? Splits, string? Text) VerifyAndParse(DatasetDefinition def, string folder)
    {
        var variants = new HashSet<string>();
        void Check(string file, string name, byte[] content)
        {
            _options.Progress?.Report(new("verify", name, content.Length, content.Length));
            var variant = MatchVariant(def, name, content, file)
                ?? throw new DatasetFormatException(file, $"SHA-256 {Sha256(content)} of {name} matches no pinned version of {def.Name} ({string.Join("; ", def.Variants.Select(v => v.Description))})");
            variants.Add(variant);
        }

        DatasetSplits? splits = null;
        string? text = null;
        if (def.Format == DatasetFormat.Text)
        {
            var path = Path.Combine(folder, def.Files[0]);
            var bytes = File.ReadAllBytes(path);
            Check(path, def.Files[0], bytes);
            try { text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
            catch (System.Text.DecoderFallbackException e) { throw new DatasetFormatException(path, $"not UTF-8 at byte {e.Index}"); }
        }
        else if (def.Format == DatasetFormat.Idx)
        {
            IdxFile.Content ReadChecked(string file)
            {
                var path = Path.Combine(folder, file);
                using var stream = File.OpenRead(path);
                var bytes = IdxFile.ReadAllMaybeGzip(stream, path);
                Check(path, StripGz(file), bytes);
                return IdxFile.Parse(bytes, path);
            }
            ImageDataset Split(string split, string prefix)
            {
                string images = $"{prefix}-images-idx3-ubyte.gz", labels = $"{prefix}-labels-idx1-ubyte.gz";
                return IdxFile.ToDataset($"{def.Name}/{split}", ReadChecked(images), Path.Combine(folder, images), ReadChecked(labels), Path.Combine(folder, labels), def.ClassNames);
            }
            splits = new DatasetSplits(Split("train", "train"), Split("test", "t10k"), folder);
        }
        else
        {
            var archive = Path.Combine(folder, def.Files[0]);
            var progress = _options.Progress is { } p ? new Progress<double>(f => p.Report(new("read", def.Files[0], (long)(f * 1000), 1000))) : null;
            splits = CifarBinary.Read(archive, (name, bytes) => Check(archive, name, bytes), progress);
        }
        if (variants.Count > 1)
            throw new DatasetFormatException(folder, $"files from different versions of {def.Name} are mixed: {string.Join("; ", variants)}");
        return (variants.Single(), splits, text);
    }

    private static string? MatchVariant(DatasetDefinition def, string name, byte[] content, string file)
    {
        var hash = Sha256(content);
        return def.Variants.FirstOrDefault(v => v.ContentSha256.TryGetValue(name, out var h) && h == hash)?.Description;
    }

    private static string StripGz(string file) => file.EndsWith(".gz", StringComparison.Ordinal) ? file[..^3] : file;

    private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
