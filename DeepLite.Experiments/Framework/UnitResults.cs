namespace DeepLite.Experiments.Framework;

/// <summary>Every unit's points, in the order the experiment declared its units, and the folder of the files they wrote.</summary>
public sealed class UnitResults
{
    private readonly Dictionary<string, IReadOnlyList<Measurement>> _byUnit;

    /// <summary>The units' points, keyed by unit id, in declaration order; <paramref name="runsFolder"/> holds files the units wrote of their own.</summary>
    public UnitResults(IReadOnlyList<(string Unit, IReadOnlyList<Measurement> Points)> units, string runsFolder = "")
    {
        RunsFolder = runsFolder;
        Order = units.Select(u => u.Unit).ToList();
        _byUnit = units.ToDictionary(u => u.Unit, u => u.Points);
        All = units.SelectMany(u => u.Points).ToList();
    }

    /// <summary>The experiment's <c>runs/</c> folder (<see cref="RunStore.RunsFolder"/>), where units may write files named after their ids.</summary>
    public string RunsFolder { get; }

    /// <summary>The unit ids in declaration order.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The points of one unit.</summary>
    public IReadOnlyList<Measurement> this[string unit] => _byUnit[unit];

    /// <summary>All points, unit after unit in declaration order.</summary>
    public IReadOnlyList<Measurement> All { get; }
}
