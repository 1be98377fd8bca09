namespace DeepLite.Experiments.Framework;

/// <summary>
/// What one <c>run</c> does, listed once: for each selected experiment, all its units (which the assembly reads) and
/// the ones this process runs (all of them, or a shard's share). The units are listed from the configuration alone,
/// so the plan printed is the plan run.
/// </summary>
public sealed class RunPlan
{
    /// <summary>One experiment's part of the plan.</summary>
    public sealed record Entry(IExperiment Experiment, IReadOnlyList<RunUnit> AllUnits, IReadOnlyList<RunUnit> Mine);

    private RunPlan(IReadOnlyList<Entry> entries, Shard? shard) { Entries = entries; Shard = shard; }

    /// <summary>The experiments in order, each with its units.</summary>
    public IReadOnlyList<Entry> Entries { get; }

    /// <summary>The shard this process runs, or null for all units (then each experiment is also assembled).</summary>
    public Shard? Shard { get; }

    /// <summary>Lists the units of <paramref name="experiments"/> at <paramref name="configuration"/> and takes <paramref name="shard"/>'s share (all without one).</summary>
    public static RunPlan Make(IReadOnlyList<IExperiment> experiments, RunConfiguration configuration, Shard? shard)
    {
        var listed = experiments.Select(e => (Experiment: e, Units: e.Units(configuration))).ToList();
        if (shard is null) return new([.. listed.Select(l => new Entry(l.Experiment, l.Units, l.Units))], null);
        var assigned = Framework.Shard.Plan(listed.Select(l => (l.Experiment, l.Units)), shard.Count);
        return new([.. listed.Select(l => new Entry(l.Experiment, l.Units,
            [.. assigned.Where(a => a.Experiment == l.Experiment && a.Shard == shard.Index - 1).Select(a => a.Unit)]))], shard);
    }

    /// <summary>The estimated seconds of this process's units.</summary>
    public double MineSeconds => Entries.Sum(e => e.Mine.Sum(u => u.CostSeconds));

    /// <summary>The estimated seconds of every unit of the plan (all shards).</summary>
    public double AllSeconds => Entries.Sum(e => e.AllUnits.Sum(u => u.CostSeconds));
}
