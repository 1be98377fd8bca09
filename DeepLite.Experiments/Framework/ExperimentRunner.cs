namespace DeepLite.Experiments.Framework;

/// <summary>
/// Runs what an <see cref="IExperiment"/> declares: the units of a plan (all, or one shard's), then its assembly, and
/// writes the files every experiment has: <c>results.csv</c>, the charts, <c>manifest.json</c>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>Runs (or reads back) every unit, then assembles: what <c>run</c> does for one experiment.</summary>
    public static void Run(IExperiment experiment, ExperimentContext context)
    {
        var units = experiment.Units(context.Configuration);
        RunUnits(experiment, units, context);
        Assemble(experiment, units, context);
    }

    /// <summary>Runs (or reads back) <paramref name="units"/> of <paramref name="experiment"/> in order, in <paramref name="context"/>.</summary>
    public static void RunUnits(IExperiment experiment, IEnumerable<RunUnit> units, ExperimentContext context)
    {
        foreach (var unit in units) context.RunOnce(experiment, unit);
    }

    /// <summary>The units of <paramref name="experiment"/> that have no stored results in <paramref name="store"/>.</summary>
    public static IReadOnlyList<string> Missing(IExperiment experiment, RunStore store) =>
        experiment.Units(store.Configuration).Where(u => store.Stored(experiment, u.Id) is null).Select(u => u.Id).ToList();

    /// <summary>
    /// Reads the stored points of every one of <paramref name="units"/> (all the experiment's) and writes what the
    /// assembly declares. Throws <see cref="MissingUnitsException"/> naming the units without results (nothing is
    /// written then).
    /// </summary>
    public static void Assemble(IExperiment experiment, IReadOnlyList<RunUnit> units, ExperimentContext context)
    {
        var stored = units.Select(u => (u.Id, Points: context.Store.Stored(experiment, u.Id))).ToList();
        var missing = stored.Where(s => s.Points is null).Select(s => s.Id).ToList();
        if (missing.Count > 0)
        {
            int elsewhere = missing.Count(id => File.Exists(context.Store.ClaimPath(experiment, id)));
            throw new MissingUnitsException(experiment.Id, missing, units.Count,
                elsewhere > 0 ? $" ({elsewhere} being trained by another console on this folder: assemble when it is done)" : "");
        }
        var results = experiment.Assemble(context.Configuration, new UnitResults(stored.Select(s => (s.Id, s.Points!)).ToList(), context.Store.RunsFolder(experiment)));

        // A chart the experiment does not declare would be missing from 'list', the manifest and the report.
        var declared = experiment.ChartsFor(context.Configuration);
        var undeclared = results.Charts.Select(c => c.Name).Where(n => !declared.Contains(n)).ToList();
        if (undeclared.Count > 0 || results.Charts.Select(c => c.Name).Distinct().Count() != results.Charts.Count)
            throw new InvalidOperationException($"{experiment.Id} drew {string.Join(", ", results.Charts.Select(c => c.Name))}; it declares {string.Join(", ", declared)}.");
        var folder = context.Store.Folder(experiment);
        // What ran is what the charts say: settings changed from the preset (--set, --config) under every title.
        if (context.Configuration.Changes(experiment) is { Count: > 0 } changes)
            foreach (var chart in results.Charts)
                chart.Model.Subtitle += "\n" + Charts.Wrap($"changed from the {context.Preset.ToString().ToLowerInvariant()} preset: {string.Join("; ", changes.Select(c => c.Short()))}", 120);
        foreach (var chart in results.Charts) Charts.Save(chart.Model, folder, chart.Name);
        AtomicFile.WriteAllText(Path.Combine(folder, "results.csv"), Measurement.ToCsv(results.Points));
        Manifest.Write(experiment, context, results.Manifest is null ? null : new Dictionary<string, object>(results.Manifest));
    }

    /// <summary>The estimated wall time of an experiment at a preset: the sum of its units' costs.</summary>
    public static TimeSpan Estimate(IExperiment experiment, Preset preset) =>
        TimeSpan.FromSeconds(experiment.Units(new RunConfiguration { Preset = preset }).Sum(u => u.CostSeconds));
}

/// <summary>An experiment cannot be assembled: some of its units have no results yet (a shard not run, or failed).</summary>
public sealed class MissingUnitsException(string experiment, IReadOnlyList<string> missing, int total, string note = "")
    : InvalidOperationException($"{experiment}: {missing.Count} of {total} units have no results: {string.Join(", ", missing.Take(12))}{(missing.Count > 12 ? ", ..." : "")}{note}")
{
    /// <summary>The experiment id.</summary>
    public string Experiment { get; } = experiment;
    /// <summary>The units without results.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;
}
