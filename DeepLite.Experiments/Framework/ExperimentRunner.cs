namespace DeepLite.Experiments.Framework;

/// <summary>
/// Runs what an <see cref="IExperiment"/> declares: its units (all, or one shard's), then its assembly, and writes
/// the files every experiment has: <c>results.csv</c>, the charts, <c>manifest.json</c>.
/// </summary>
public static class ExperimentRunner
{
    /// <summary>Runs (or reads back) every unit, then assembles: what <c>run</c> does for one experiment.</summary>
    public static void Run(IExperiment experiment, ExperimentContext context)
    {
        RunUnits(experiment, context);
        Assemble(experiment, context);
    }

    /// <summary>
    /// Runs (or reads back) the units of <paramref name="experiment"/> that <paramref name="which"/> selects (all without
    /// it), in order. The units are listed from <paramref name="context"/> itself, so that their training sees its
    /// cancellation, progress and checkpoint interval.
    /// </summary>
    public static void RunUnits(IExperiment experiment, ExperimentContext context, Func<RunUnit, bool>? which = null)
    {
        foreach (var unit in experiment.Units(context))
            if (which is null || which(unit))
                context.RunOnce(experiment, unit.Id, unit.Epochs, unit.Train);
    }

    /// <summary>The units of <paramref name="experiment"/> that have no stored results for this seed and these settings.</summary>
    public static IReadOnlyList<string> Missing(IExperiment experiment, ExperimentContext context) =>
        experiment.Units(context).Where(u => context.Stored(experiment, u.Id) is null).Select(u => u.Id).ToList();

    /// <summary>
    /// Reads every unit's stored points and writes what the assembly declares. Throws
    /// <see cref="MissingUnitsException"/> naming the units without results (nothing is written then).
    /// </summary>
    public static void Assemble(IExperiment experiment, ExperimentContext context)
    {
        var units = experiment.Units(context);
        var stored = units.Select(u => (u.Id, Points: context.Stored(experiment, u.Id))).ToList();
        var missing = stored.Where(s => s.Points is null).Select(s => s.Id).ToList();
        if (missing.Count > 0) throw new MissingUnitsException(experiment.Id, missing, units.Count);
        var results = experiment.Assemble(context, new UnitResults(stored.Select(s => (s.Id, s.Points!)).ToList()));

        // A chart the experiment does not declare would be missing from 'list', the manifest and the report.
        var undeclared = results.Charts.Select(c => c.Name).Where(n => !experiment.Charts.Contains(n)).ToList();
        if (undeclared.Count > 0 || results.Charts.Select(c => c.Name).Distinct().Count() != results.Charts.Count)
            throw new InvalidOperationException($"{experiment.Id} drew {string.Join(", ", results.Charts.Select(c => c.Name))}; it declares {string.Join(", ", experiment.Charts)}.");
        var folder = context.Folder(experiment);
        foreach (var chart in results.Charts) Charts.Save(chart.Model, folder, chart.Name);
        AtomicFile.WriteAllText(Path.Combine(folder, "results.csv"), Point.ToCsv(results.Points));
        Manifest.Write(experiment, context, context.SettingsOverride ?? experiment.PresetSettings(context.Preset),
            results.Manifest is null ? null : new Dictionary<string, object>(results.Manifest));
    }

    /// <summary>The estimated wall time of an experiment at a preset: the sum of its units' costs.</summary>
    public static TimeSpan Estimate(IExperiment experiment, Preset preset) =>
        TimeSpan.FromSeconds(experiment.Units(new ExperimentContext { OutputRoot = ".", Preset = preset }).Sum(u => u.CostSeconds));
}

/// <summary>An experiment cannot be assembled: some of its units have no results yet (a shard not run, or failed).</summary>
public sealed class MissingUnitsException(string experiment, IReadOnlyList<string> missing, int total)
    : InvalidOperationException($"{experiment}: {missing.Count} of {total} units have no results: {string.Join(", ", missing.Take(12))}{(missing.Count > 12 ? ", ..." : "")}")
{
    /// <summary>The experiment id.</summary>
    public string Experiment { get; } = experiment;
    /// <summary>The units without results.</summary>
    public IReadOnlyList<string> Missing { get; } = missing;
}
