using DeepLite.Data;

namespace DeepLite.Tests.Data;

public class DataStoreTests
{
    private static DataStoreOptions Options(Fixtures fx, DatasetDefinition def, string? mirror = null, bool download = true) => new()
    {
        CacheDirectory = Path.Combine(fx.Folder, "cache"),
        MirrorDirectory = mirror,
        AllowDownload = download,
        AttemptsPerUrl = 2,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        Catalog = new Dictionary<string, DatasetDefinition> { [def.Name] = def },
    };

    private static (Dictionary<string, byte[]> Contents, Dictionary<string, byte[]> Gz) Source(Fixtures fx)
    {
        var folder = Path.Combine(fx.Folder, "source");
        var contents = Fixtures.WriteIdxSet(folder);
        var gz = contents.Keys.ToDictionary(k => k + ".gz", k => File.ReadAllBytes(Path.Combine(folder, k + ".gz")));
        return (contents, gz);
    }

    private static bool NoPartialFiles(string cache) =>
        !Directory.Exists(cache) || Directory.GetFiles(cache, "*.download", SearchOption.AllDirectories).Length == 0;

    [Fact]
    public void DownloadsVerifiesCachesAndThenWorksOffline()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, _) => new(200, gz[Path.GetFileName(path)]));
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl + "good/");
        var splits = new DataStore(Options(fx, def)).Load("tiny");
        Assert.Equal(30, splits.Train.Count);
        Assert.Equal(20, splits.Test.Count);
        Assert.Contains("downloaded", splits.Source);
        Assert.Contains("test fixture", splits.Source);
        Assert.Equal("downloaded", splits.Location!.Origin);
        Assert.Equal("tiny", splits.Location.Name);
        Assert.True(Path.IsPathFullyQualified(splits.Location.Folder));
        Assert.Equal(splits.Source, splits.Location.ToString());
        Assert.Equal(4, server.TotalHits);

        var again = new DataStore(Options(fx, def, download: false)).Fetch("tiny");
        Assert.Equal("cache", again.Origin);
        Assert.Equal(4, server.TotalHits);
        Assert.True(NoPartialFiles(Path.Combine(fx.Folder, "cache")));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ConcurrentFirstFetchesIntoOneCacheAllSucceedAndLeaveOthersDownloadsAlone()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, _) => new(200, gz[Path.GetFileName(path)]));
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl + "good/");
        // Another process's live download of the same file (recent), and one a killed process left (old).
        var folder = Path.Combine(fx.Folder, "cache", def.Name);
        Directory.CreateDirectory(folder);
        var live = Path.Combine(folder, def.Files[0] + ".0123.download");
        var abandoned = Path.Combine(folder, def.Files[0] + ".4567.download");
        File.WriteAllText(live, "partial");
        File.WriteAllText(abandoned, "partial");
        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddHours(-1));

        // Shards of a job array start together with an empty shared cache: every one of them gets the data.
        var loads = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new DataStore(Options(fx, def)).Load("tiny"))));
        Assert.All(loads, l => Assert.Equal(30, l.Train.Count));
        Assert.True(File.Exists(live), "a live download of another process was deleted");
        Assert.False(File.Exists(abandoned), "an abandoned download was kept");
    }

    [Fact]
    public void AChecksumMismatchFallsBackToTheNextAddress()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, _) =>
        {
            // The bad address serves a valid gzipped IDX file with the wrong content.
            var body = path.StartsWith("/bad/", StringComparison.Ordinal) ? Fixtures.Gzip(Fixtures.Idx([1], [7])) : gz[Path.GetFileName(path)];
            return new(200, body);
        });
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl + "bad/", server.BaseUrl + "good/");
        var location = new DataStore(Options(fx, def)).Fetch("tiny");
        Assert.Equal("downloaded", location.Origin);
        Assert.Equal(2, server.Hits("/bad/train-images-idx3-ubyte.gz"));
        Assert.Equal(1, server.Hits("/good/train-images-idx3-ubyte.gz"));
        Assert.True(NoPartialFiles(Path.Combine(fx.Folder, "cache")));
    }

    [Fact]
    public void AConnectionCutHalfwayIsRetried()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, earlier) => new(200, gz[Path.GetFileName(path)], CutHalfway: earlier == 0));
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl);
        var splits = new DataStore(Options(fx, def)).Load("tiny");
        Assert.Equal(30, splits.Train.Count);
        Assert.Equal(2, server.Hits("/train-images-idx3-ubyte.gz"));
        Assert.True(NoPartialFiles(Path.Combine(fx.Folder, "cache")));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void AServerErrorIsRetried()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, earlier) => earlier == 0 ? new(503, []) : new(200, gz[Path.GetFileName(path)]));
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl);
        Assert.Equal("downloaded", new DataStore(Options(fx, def)).Fetch("tiny").Origin);
        Assert.Equal(2, server.Hits("/t10k-labels-idx1-ubyte.gz"));
    }

    [Fact]
    public void WhenEverythingFailsNoFileIsLeftAndTheErrorListsEveryPlace()
    {
        using var fx = new Fixtures();
        var (contents, gz) = Source(fx);
        using var server = new LocalHttpServer((path, _) => new(200, gz[Path.GetFileName(path)], CutHalfway: true));
        var def = Fixtures.IdxDefinition(contents, server.BaseUrl);
        var mirror = Path.Combine(fx.Folder, "empty-mirror");
        var ex = Assert.Throws<FileNotFoundException>(() => new DataStore(Options(fx, def, mirror)).Load("tiny"));
        Assert.Contains("cache", ex.Message);
        Assert.Contains(mirror, ex.Message);
        Assert.Contains("connection closed", ex.Message);
        Assert.Contains("DEEPLITE_DATA_MIRROR", ex.Message);
        Assert.False(File.Exists(Path.Combine(fx.Folder, "cache", "tiny", "train-images-idx3-ubyte.gz")));
        Assert.True(NoPartialFiles(Path.Combine(fx.Folder, "cache")));
    }

    [Fact]
    public void TheMirrorIsUsedInPlaceAndACorruptMirrorIsReported()
    {
        using var fx = new Fixtures();
        var mirror = Path.Combine(fx.Folder, "mirror");
        var contents = Fixtures.WriteIdxSet(Path.Combine(mirror, "tiny"));
        var def = Fixtures.IdxDefinition(contents, "http://127.0.0.1:9/unused/");
        var location = new DataStore(Options(fx, def, mirror, download: false)).Fetch("tiny");
        Assert.Equal(Path.Combine(mirror, "tiny"), location.Folder);
        Assert.StartsWith("mirror", location.Origin);
        // Given in the options, not by DEEPLITE_DATA_MIRROR: the origin says which (it said the variable either way).
        Assert.Equal(Environment.GetEnvironmentVariable("DEEPLITE_DATA_MIRROR") == mirror ? "mirror (DEEPLITE_DATA_MIRROR)" : "mirror (DataStoreOptions.MirrorDirectory)", location.Origin);

        // Flip one label: still a valid IDX file, but no longer the pinned bytes.
        var labels = (byte[])contents["t10k-labels-idx1-ubyte"].Clone();
        labels[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(mirror, "tiny", "t10k-labels-idx1-ubyte.gz"), Fixtures.Gzip(labels));
        var ex = Assert.Throws<FileNotFoundException>(() => new DataStore(Options(fx, def, mirror, download: false)).Load("tiny"));
        Assert.Contains("rejected", ex.Message);
        Assert.Contains("SHA-256", ex.Message);
        Assert.Contains("t10k-labels-idx1-ubyte", ex.Message);
    }

    [Fact]
    public void CifarArchivesAreVerifiedMemberByMember()
    {
        using var fx = new Fixtures();
        var mirror = Path.Combine(fx.Folder, "mirror");
        var files = Fixtures.WriteCifarArchive(Path.Combine(mirror, "cifar-tiny", "cifar-10-binary.tar.gz"));
        var def = new DatasetDefinition("cifar-tiny", DatasetFormat.CifarBinary, ["cifar-10-binary.tar.gz"], [],
            [new("fixture variant", files.ToDictionary(kv => kv.Key, kv => Fixtures.Sha(kv.Value)))], CifarBinary.ClassNames, []);
        var splits = new DataStore(Options(fx, def, mirror, download: false)).Load("cifar-tiny");
        Assert.Equal(20, splits.Train.Count);
        Assert.Contains("fixture variant", splits.Source);

        var other = def with { Variants = [new("other", files.ToDictionary(kv => kv.Key, kv => kv.Key == "data_batch_2.bin" ? new string('0', 64) : Fixtures.Sha(kv.Value)))] };
        var ex = Assert.Throws<FileNotFoundException>(() => new DataStore(Options(fx, other, mirror, download: false)).Load("cifar-tiny"));
        Assert.Contains("data_batch_2.bin", ex.Message);
    }

    private static DatasetDefinition TextDefinition(string text, string baseUrl) => new("corpus", DatasetFormat.Text, ["input.txt"], [baseUrl],
        [new("test corpus", new Dictionary<string, string> { ["input.txt"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))) })], [], []);

    [Fact]
    public void TextCorporaAreFetchedVerifiedAndSplitAsNanoGpt()
    {
        using var fx = new Fixtures();
        const string text = "to be, or not to be: that is the question.\n";
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        using var server = new LocalHttpServer((path, _) => path.EndsWith("/input.txt", StringComparison.Ordinal) ? new(200, bytes) : new(404, []));
        var def = TextDefinition(text, server.BaseUrl + "corpus/");
        var corpus = new DataStore(Options(fx, def)).LoadText("corpus");
        Assert.Equal("downloaded", corpus.Location!.Origin);
        Assert.Equal(text.Distinct().Order(), corpus.Vocabulary);
        Assert.Equal((int)(text.Length * 0.9), corpus.Train.Length);
        Assert.Equal(text, corpus.Decode(corpus.Train.Concat(corpus.Validation)));
        Assert.Throws<ArgumentException>(() => corpus.Encode("xyz"));
        Assert.Throws<ArgumentException>(() => new DataStore(Options(fx, def)).Load("corpus"));
        // Offline, the cache serves it; a changed file in a mirror is rejected by its checksum and named.
        Assert.Equal("cache", new DataStore(Options(fx, def, download: false)).LoadText("corpus").Location!.Origin);
        var mirror = Path.Combine(fx.Folder, "mirror");
        Directory.CreateDirectory(Path.Combine(mirror, "corpus"));
        File.WriteAllText(Path.Combine(mirror, "corpus", "input.txt"), text + "!");
        var other = def with { Name = "corpus" };
        var e = Assert.Throws<FileNotFoundException>(() => new DataStore(Options(fx, other, mirror, download: false) with { CacheDirectory = Path.Combine(fx.Folder, "empty") }).LoadText("corpus"));
        Assert.Contains("present but rejected", e.Message);
        Assert.Contains("SHA-256", e.Message);
    }
}
