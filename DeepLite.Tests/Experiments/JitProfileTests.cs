namespace DeepLite.Tests.Experiments;

/// <summary>The console keeps a multicore JIT profile per verb (Cli/JitProfile), and a folder it cannot use is no error.</summary>
public class JitProfileTests
{
    [Fact]
    public async Task TheConsoleRecordsAProfilePerVerbWhereItIsTold()
    {
        using var folder = new Data.Fixtures();
        var profiles = Path.Combine(folder.Folder, "jit");
        var (code, output) = await ExperimentsConsole.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DEEPLITE_JIT_PROFILES"] = profiles }, "list");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(profiles, "list.jitprofile")), $"no profile in {profiles}: {string.Join(", ", Directory.Exists(profiles) ? Directory.GetFiles(profiles) : [])}");
    }

    [Fact]
    public async Task AProfileFolderThatCannotBeMadeIsNoError()
    {
        using var folder = new Data.Fixtures();
        var file = Path.Combine(folder.Folder, "a-file");
        File.WriteAllText(file, "not a folder");
        var (code, output) = await ExperimentsConsole.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DEEPLITE_JIT_PROFILES"] = Path.Combine(file, "jit") }, "list");
        Assert.True(code == 0, output);
        Assert.Contains("hw1-1-1", output);
    }

    [Fact]
    public async Task ADamagedProfileIsNoError()
    {
        // The profile is read by the runtime, not by DeepLite: what matters is that garbage there, or a profile cut
        // short, never stops the console (bytes from outside the process, as [trust] asks of every reader).
        using var folder = new Data.Fixtures();
        var profiles = Path.Combine(folder.Folder, "jit");
        var (code, output) = await ExperimentsConsole.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DEEPLITE_JIT_PROFILES"] = profiles }, "list");
        Assert.True(code == 0, output);
        var profile = Path.Combine(profiles, "list.jitprofile");
        var recorded = File.ReadAllBytes(profile);
        var random = new Random(7);
        foreach (var damaged in new[] { recorded[..(recorded.Length / 2)], Enumerable.Range(0, 4096).Select(_ => (byte)random.Next(256)).ToArray(), [] })
        {
            File.WriteAllBytes(profile, damaged);
            (code, output) = await ExperimentsConsole.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DEEPLITE_JIT_PROFILES"] = profiles }, "list");
            Assert.True(code == 0, output);
            Assert.Contains("hw1-1-1", output);
        }
    }

    [Fact]
    public async Task OnlyAKnownVerbNamesAProfile()
    {
        using var folder = new Data.Fixtures();
        var profiles = Path.Combine(folder.Folder, "jit", "inner");
        var (code, _) = await ExperimentsConsole.RunAsync(TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DEEPLITE_JIT_PROFILES"] = profiles }, "../escape");
        Assert.Equal(2, code);
        Assert.Empty(Directory.GetFiles(folder.Folder, "*.jitprofile", SearchOption.AllDirectories));
    }
}
