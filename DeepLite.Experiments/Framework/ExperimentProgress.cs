namespace DeepLite.Experiments.Framework;

/// <summary>What a running experiment reports: runs starting and ending, epochs with their metrics.</summary>
public interface IExperimentProgress
{
    /// <summary>A run begins (or is found finished, <paramref name="cached"/>).</summary>
    void RunStarted(string experiment, string run, int epochs, bool cached);

    /// <summary>An epoch (or an equivalent unit) ended.</summary>
    void Epoch(string run, int epoch, int epochs, double loss, double? accuracy);

    /// <summary>A run ended.</summary>
    void RunFinished(string run);

    /// <summary>A free-form line (estimates, file paths).</summary>
    void Message(string text);

    /// <summary>A run continues from its checkpoint after <paramref name="epochsDone"/> finished epochs (reported after <see cref="RunStarted"/>).</summary>
    void Resumed(string run, int epochsDone) => Message($"{run}: resuming from its checkpoint after epoch {epochsDone}");
}

/// <summary>Reports nothing.</summary>
public sealed class SilentProgress : IExperimentProgress
{
    /// <inheritdoc/>
    public void RunStarted(string experiment, string run, int epochs, bool cached) { }
    /// <inheritdoc/>
    public void Epoch(string run, int epoch, int epochs, double loss, double? accuracy) { }
    /// <inheritdoc/>
    public void RunFinished(string run) { }
    /// <inheritdoc/>
    public void Message(string text) { }
}
