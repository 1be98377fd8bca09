namespace DeepLite.Experiments.Framework;

/// <summary>
/// One homework item, declared in two parts: its independent <see cref="Units"/> (training runs, each stored and
/// resumable on its own, so they can be spread over processes) and its <see cref="Assemble"/> step (charts, CSV
/// points and manifest entries from all the units' points). <see cref="ExperimentRunner"/> runs the units and
/// writes what the assembly declares.
/// </summary>
public interface IExperiment
{
    /// <summary>The id used on the command line, e.g. "hw1-1-1".</summary>
    string Id { get; }

    /// <summary>A human title.</summary>
    string Title { get; }

    /// <summary>The chart file names (without extension) its assembly draws.</summary>
    IReadOnlyList<string> Charts { get; }

    /// <summary>The settings for a preset, as an object written into the manifest.</summary>
    object PresetSettings(Preset preset);

    /// <summary>
    /// The units at the settings in force, in a fixed order. Listing them is cheap: data is loaded when a unit
    /// trains, not here.
    /// </summary>
    IReadOnlyList<RunUnit> Units(ExperimentContext context);

    /// <summary>Draws the charts and gathers the result points from every unit's points (no training, no data).</summary>
    ExperimentResults Assemble(ExperimentContext context, UnitResults units);
}
