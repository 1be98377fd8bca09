using OxyPlot;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// What an experiment's assembly declares from its units' points; <see cref="ExperimentRunner.Assemble"/> writes it:
/// <c>results.csv</c> from <paramref name="Points"/>, one PNG and SVG per chart (which must be the experiment's
/// declared <see cref="IExperiment.Charts"/>) and <c>manifest.json</c> with <paramref name="Manifest"/>'s entries added.
/// </summary>
public sealed record ExperimentResults(IReadOnlyList<Measurement> Points, IReadOnlyList<Chart> Charts, IReadOnlyDictionary<string, object>? Manifest = null);

/// <summary>A chart and the file name (without extension) it is saved under.</summary>
public sealed record Chart(string Name, PlotModel Model);
