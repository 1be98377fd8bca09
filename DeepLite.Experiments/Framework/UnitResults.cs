namespace DeepLite.Experiments.Framework;

/// <summary>Every unit's points, in the order the experiment declared its units.</summary>
public sealed class UnitResults
{
    private readonly Dictionary<string, IReadOnlyList<Point>> _byUnit;

    /// <summary>The units' points, keyed by unit id, in declaration order.</summary>
    public UnitResults(IReadOnlyList<(string Unit, IReadOnlyList<Point> Points)> units)
    {
        Order = units.Select(u => u.Unit).ToList();
        _byUnit = units.ToDictionary(u => u.Unit, u => u.Points);
        All = units.SelectMany(u => u.Points).ToList();
    }

    /// <summary>The unit ids in declaration order.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The points of one unit.</summary>
    public IReadOnlyList<Point> this[string unit] => _byUnit[unit];

    /// <summary>All points, unit after unit in declaration order.</summary>
    public IReadOnlyList<Point> All { get; }
}
