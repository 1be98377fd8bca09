namespace DeepLite.Data;

/// <summary>A progress report from the data store: a stage ("download", "verify", "read"), the file, bytes done and the total when known.</summary>
public readonly record struct DataProgress(string Stage, string File, long Done, long? Total);
