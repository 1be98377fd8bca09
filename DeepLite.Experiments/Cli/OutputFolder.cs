namespace DeepLite.Experiments.Cli;

/// <summary>Checks of an --out argument, made before any work starts.</summary>
internal static class OutputFolder
{
    /// <summary>What is wrong with <paramref name="path"/> as a results folder, or null when it will do.</summary>
    public static string? Problem(string? path, bool mustExist)
    {
        if (string.IsNullOrWhiteSpace(path)) return "--out must name a folder; it is empty.";
        if (path.IndexOfAny(Path.GetInvalidPathChars()) >= 0) return $"--out '{path}' is not a valid path.";
        if (File.Exists(path)) return $"--out '{path}' is a file, not a folder.";
        if (mustExist && !Directory.Exists(path)) return $"--out '{path}': no such folder ({Path.GetFullPath(path)}).";
        // A parent that is a file makes the folder impossible to create: say so now, not after training.
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(path)); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
            if (File.Exists(parent)) return $"--out '{path}': {parent} is a file, so the folder cannot be created.";
        return null;
    }
}
