namespace DeepLite.Experiments.Framework;

/// <summary>
/// One homework item, declared in one file: its id and settings per preset, its independent <see cref="Units"/>
/// (training runs, each stored and resumable on its own, so they can be spread over processes), its
/// <see cref="Assemble"/> step (charts, CSV points and manifest entries from all the units' points), the
/// <see cref="Claims"/> the report judges on its results and the report's <see cref="Comments"/>.
/// <see cref="ExperimentRunner"/> runs the units and writes what the assembly declares.
/// </summary>
public interface IExperiment
{
    /// <summary>The id used on the command line, e.g. "hw1-1-1".</summary>
    string Id { get; }

    /// <summary>A human title.</summary>
    string Title { get; }

    /// <summary>The chart file names (without extension) its assembly draws at the presets' settings.</summary>
    IReadOnlyList<string> Charts { get; }

    /// <summary>
    /// The chart file names its assembly draws at <paramref name="configuration"/>'s settings, which may choose other
    /// datasets or functions (<c>--set</c>); by default <see cref="Charts"/>.
    /// </summary>
    IReadOnlyList<string> ChartsFor(RunConfiguration configuration) => Charts;

    /// <summary>The settings for a preset, as an object written into the manifest.</summary>
    object PresetSettings(Preset preset);

    /// <summary>
    /// The units at <paramref name="configuration"/>'s settings, in a fixed order. Listing them is cheap: data is
    /// loaded when a unit trains, not here.
    /// </summary>
    IReadOnlyList<RunUnit> Units(RunConfiguration configuration);

    /// <summary>Draws the charts and gathers the result points from every unit's points (no training, no data).</summary>
    ExperimentResults Assemble(RunConfiguration configuration, UnitResults units);

    /// <summary>The report's claims about this experiment, each judged from its results.csv (quick and full alike).</summary>
    IReadOnlyList<Claim> Claims { get; }

    /// <summary>
    /// The models the experiment trains at <paramref name="configuration"/>'s settings, each with the input shape (without
    /// the batch) and output count it is built for and what that input is ("MNIST", "one value"): what <c>describe</c>
    /// summarizes. None for an experiment whose models are not a setting.
    /// </summary>
    IEnumerable<(Models.ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration) => [];

    /// <summary>The comment under the experiment in the report, computed from its points; a sentence starting with "Expected" flags an effect the homework expects that did not show.</summary>
    IEnumerable<string> Comments(IReadOnlyList<Measurement> points);
}
