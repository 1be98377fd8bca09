namespace DeepLite.Tests;

/// <summary>The repository the tests were built from.</summary>
public static class Repository
{
    /// <summary>The folder holding DeepLite.sln, found above the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepLite.sln"))) return dir.FullName;
        throw new InvalidOperationException("DeepLite.sln not found above the test binaries.");
    }
}
