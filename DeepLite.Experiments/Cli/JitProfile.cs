using System.Runtime;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// Multicore JIT (.NET's <see cref="ProfileOptimization"/>): each run records which methods it compiled, and the next
/// run compiles them on a background thread from its start, while the data loads. Without tiered JIT (see the
/// project file) the first training step would compile the whole step at full optimization on the critical path
/// (measured in benchmarks/README.md, "Measurements behind the code"). Results are the same either way: it changes
/// when methods are compiled, not how.
/// </summary>
internal static class JitProfile
{
    /// <summary>
    /// Starts recording (and, when an earlier run left a profile, replaying) <paramref name="name"/>'s profile in
    /// <c>$DEEPLITE_JIT_PROFILES</c>, else <c>~/.cache/deeplite/jit/&lt;host&gt;</c>. An unwritable folder only means no
    /// profile: it is an optimization, never an error.
    /// </summary>
    public static void Start(string name)
    {
        try
        {
            var root = Environment.GetEnvironmentVariable("DEEPLITE_JIT_PROFILES") is { Length: > 0 } custom ? custom
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "deeplite", "jit", Environment.MachineName);
            Directory.CreateDirectory(root);
            ProfileOptimization.SetProfileRoot(root);
            ProfileOptimization.StartProfile(name + ".jitprofile");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException) { }
    }
}
