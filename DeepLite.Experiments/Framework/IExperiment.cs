namespace DeepLite.Experiments.Framework;

/// <summary>
/// One homework item: a set of independent runs (each resumable on its own) and the charts drawn
/// from all their points.
/// </summary>
public interface IExperiment
{
    /// <summary>The id used on the command line, e.g. "hw1-1-1".</summary>
    string Id { get; }

    /// <summary>A human title.</summary>
    string Title { get; }

    /// <summary>The chart file names (without extension) it writes.</summary>
    IReadOnlyList<string> Charts { get; }

    /// <summary>The settings for a preset, as an object written into the manifest.</summary>
    object PresetSettings(Preset preset);

    /// <summary>A rough wall-time estimate for a preset on this machine, printed before a run.</summary>
    TimeSpan Estimate(Preset preset);

    /// <summary>Performs (or resumes) every run, then writes the CSV, charts and manifest.</summary>
    void Run(ExperimentContext context);
}
