namespace DeepLite.Tests;

/// <summary>
/// The tests that must set a process-wide setting (the kernels' thread limit, the tensor pool's idle cap) run in this
/// collection: one at a time, after every parallel test, each restoring what it found, so no other test runs while a
/// setting is changed.
/// </summary>
[CollectionDefinition(nameof(ProcessWideSettings), DisableParallelization = true)]
public sealed class ProcessWideSettings;
