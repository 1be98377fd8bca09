// The fuzz driver: `DeepLite.Fuzz TARGET` runs one target under AFL++ (SharpFuzz's forkserver; fuzz/run.sh starts it),
// `DeepLite.Fuzz TARGET --replay PATH...` runs files or folders of inputs through it and reports what escaped,
// `DeepLite.Fuzz --write-corpus DIR` writes the seed corpus (valid files for every target), `DeepLite.Fuzz --list`.
using DeepLite.Fuzz;
using SharpFuzz;

if (args is ["--list"])
{
    foreach (var (name, (reads, _)) in FuzzTargets.All) Console.WriteLine($"{name,-16} {reads}");
    return 0;
}
if (args is ["--write-corpus", var corpus])
{
    foreach (var (seeded, files) in SeedCorpus.Files())
    {
        var folder = Directory.CreateDirectory(Path.Combine(corpus, seeded)).FullName;
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(folder, name), bytes);
        Console.WriteLine($"{seeded}: {files.Count} seed file(s) in {folder}");
    }
    return 0;
}
if (args.Length == 0 || !FuzzTargets.All.ContainsKey(args[0]))
{
    Console.Error.WriteLine($"usage: DeepLite.Fuzz TARGET [--replay PATH...] | --write-corpus DIR | --list; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}
string target = args[0];
using var scratch = new FuzzTargets.Scratch();
if (args.Length > 1 && args[1] == "--replay")
{
    var inputs = args[2..].SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal).ToArray() : [p]).ToList();
    int escaped = 0;
    foreach (var input in inputs)
    {
        scratch.Reset();
        try
        {
            var refusal = FuzzTargets.Run(target, File.ReadAllBytes(input), scratch);
            Console.WriteLine($"{input}: {(refusal is null ? "accepted" : $"refused: {refusal.GetType().Name}: {refusal.Message}")}");
        }
        catch (Exception e)
        {
            escaped++;
            Console.WriteLine($"{input}: ESCAPED {e}");
        }
    }
    Console.WriteLine($"{inputs.Count} input(s), {escaped} escaped");
    return escaped == 0 ? 0 : 1;
}
// Under AFL++: each input once; an exception that is not documented escapes, and SharpFuzz reports it as a crash.
Fuzzer.Run(stream =>
{
    scratch.Reset();
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(target, buffer.ToArray(), scratch);
});
return 0;
