namespace DeepLite.Experiments.Framework;

/// <summary>
/// Shard <see cref="Index"/> (1-based) of <see cref="Count"/>: which units one process of a job array runs. The
/// assignment (<see cref="Assign"/>) depends only on the units' keys and estimated costs, so every process of the
/// array computes the same one without talking to the others.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>Parses "K/N" (1 ≤ K ≤ N); returns null and a reason when it is not one.</summary>
    public static Shard? Parse(string text, out string? problem)
    {
        problem = null;
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int k) && int.TryParse(parts[1], out int n) && n >= 1 && k >= 1 && k <= n)
            return new Shard(k, n);
        problem = $"--shard '{text}' is not K/N with 1 ≤ K ≤ N (e.g. 3/8), nor 'auto'.";
        return null;
    }

    /// <summary>
    /// The shard of this process from its scheduler's variables: a Slurm array task (SLURM_ARRAY_TASK_ID within
    /// SLURM_ARRAY_TASK_MIN..MAX, or with SLURM_ARRAY_TASK_COUNT), or a Kubernetes Indexed Job pod
    /// (JOB_COMPLETION_INDEX, 0-based, with the count in DEEPLITE_SHARD_COUNT). Null and a reason when none is set.
    /// </summary>
    public static Shard? FromEnvironment(Func<string, string?> variable, out string? problem)
    {
        problem = null;
        static int? Int(string? s) => int.TryParse(s, out int v) ? v : null;
        if (Int(variable("SLURM_ARRAY_TASK_ID")) is int task)
        {
            int min = Int(variable("SLURM_ARRAY_TASK_MIN")) ?? 0;
            int? max = Int(variable("SLURM_ARRAY_TASK_MAX")), count = Int(variable("SLURM_ARRAY_TASK_COUNT"));
            int n = max is int m ? m - min + 1 : count ?? 0;
            if (count is int c && c != n)
                problem = $"the Slurm array {min}-{max} has {c} tasks, not {n}: --shard auto needs a contiguous array without a step (e.g. --array=0-7).";
            else if (n < 1 || task < min || task - min >= n)
                problem = $"SLURM_ARRAY_TASK_ID {task} is outside the array {min}..{min + n - 1}.";
            else return new Shard(task - min + 1, n);
            return null;
        }
        if (Int(variable("JOB_COMPLETION_INDEX")) is int index)
        {
            if (Int(variable("DEEPLITE_SHARD_COUNT")) is int n && n >= 1 && index >= 0 && index < n) return new Shard(index + 1, n);
            problem = $"JOB_COMPLETION_INDEX is {index}, but DEEPLITE_SHARD_COUNT ({variable("DEEPLITE_SHARD_COUNT") ?? "unset"}) is not a count above it: set it to the Job's completions.";
            return null;
        }
        problem = "--shard auto found no job array variables (SLURM_ARRAY_TASK_ID, or JOB_COMPLETION_INDEX with DEEPLITE_SHARD_COUNT): run it as a task of a job array, or give --shard K/N.";
        return null;
    }

    /// <summary>
    /// Assigns each unit to one of <paramref name="count"/> shards (0-based in the result): the longest first, each to
    /// the shard with the least estimated work so far (the lowest index on a tie), which keeps the most loaded shard
    /// within one unit's cost of the mean. Ties in cost are broken by key, so the result is a function of the set of
    /// (key, cost) pairs alone, whatever their order.
    /// </summary>
    public static int[] Assign(IReadOnlyList<(string Key, double Cost)> units, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var order = Enumerable.Range(0, units.Count)
            .OrderByDescending(i => units[i].Cost).ThenBy(i => units[i].Key, StringComparer.Ordinal).ToList();
        var load = new double[count];
        var shard = new int[units.Count];
        foreach (int i in order)
        {
            int best = 0;
            for (int s = 1; s < count; s++) if (load[s] < load[best]) best = s;
            shard[i] = best;
            load[best] += Math.Max(0, units[i].Cost);
        }
        return shard;
    }

    /// <summary>
    /// Every unit of <paramref name="experiments"/> (listed at <paramref name="configuration"/>) with the shard (0-based, of
    /// <paramref name="count"/>) that runs it: <see cref="Assign"/> over the keys <c>experiment/unit</c> and the units'
    /// costs. What <c>run --shard</c> runs and <c>plan</c> shows.
    /// </summary>
    public static IReadOnlyList<(IExperiment Experiment, RunUnit Unit, int Shard)> Plan(IEnumerable<IExperiment> experiments, RunConfiguration configuration, int count) =>
        Plan(experiments.Select(e => (e, e.Units(configuration))), count);

    /// <summary><see cref="Plan(IEnumerable{IExperiment}, RunConfiguration, int)"/> for units already listed.</summary>
    public static IReadOnlyList<(IExperiment Experiment, RunUnit Unit, int Shard)> Plan(IEnumerable<(IExperiment Experiment, IReadOnlyList<RunUnit> Units)> listed, int count)
    {
        var units = listed.SelectMany(l => l.Units.Select(u => (l.Experiment, Unit: u))).ToList();
        var assignment = Assign(units.Select(u => ($"{u.Experiment.Id}/{u.Unit.Id}", u.Unit.CostSeconds)).ToList(), count);
        return units.Select((u, i) => (u.Experiment, u.Unit, assignment[i])).ToList();
    }

    /// <summary>Whether this shard runs the unit at <paramref name="position"/> of an <see cref="Assign"/> result.</summary>
    public bool Runs(int[] assignment, int position) => assignment[position] == Index - 1;
}
