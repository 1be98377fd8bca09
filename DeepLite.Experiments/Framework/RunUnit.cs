namespace DeepLite.Experiments.Framework;

/// <summary>
/// One independent piece of an experiment's work: a training run (or a run cheap enough to be its own unit),
/// whose points are stored under <c>runs/</c> by <see cref="ExperimentContext.RunOnce"/>. Units are listed from a
/// <see cref="RunConfiguration"/> alone, so the plan a command makes is the list it runs. Units share nothing
/// but their inputs, so any subset of them can run in any process (a shard of a Slurm array) and the
/// experiment's assembly reads them back.
/// </summary>
/// <param name="Id">Unique within the experiment; names its files and fixes its seed (<see cref="RunConfiguration.RunSeed"/>).</param>
/// <param name="Epochs">How many progress steps it reports (for the progress bar).</param>
/// <param name="CostSeconds">Its estimated wall time on a 2-core machine, for <c>list</c> and for balancing shards.</param>
/// <param name="Train">Computes the unit's points in a context (data, progress, checkpoints) from its seed. It may load
/// data (shared between units through <see cref="ExperimentContext.Subsets"/>) and write files of its own under
/// <c>runs/</c>, named after its id, before it returns.</param>
public sealed record RunUnit(string Id, int Epochs, double CostSeconds, Func<ExperimentContext, long, IReadOnlyList<Measurement>> Train);
