using System.Globalization;
using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Hw1;

/// <summary>The few questions the HW1 claims and report comments ask of an experiment's points.</summary>
internal static class PointQueries
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>The value of <paramref name="metric"/> at the largest x of run <paramref name="run"/> (its last epoch).</summary>
    public static double Final(IReadOnlyList<Measurement> p, string run, string metric) =>
        p.Where(x => x.Run == run && x.Metric == metric).MaxBy(x => x.X)?.Value ?? throw new InvalidOperationException($"no {metric} for {run}");

    /// <summary>Each run's value of <paramref name="metric"/> at its largest x.</summary>
    public static List<double> FinalPerRun(IReadOnlyList<Measurement> p, string metric) =>
        p.Where(x => x.Metric == metric).GroupBy(x => x.Run).Select(g => g.MaxBy(x => x.X)!.Value).ToList();

    /// <summary>"min to max" of <paramref name="v"/> in <paramref name="format"/>, "n/a" when empty.</summary>
    public static string RangeOf(List<double> v, string format) => v.Count == 0 ? "n/a" : $"{v.Min().ToString(format)} to {v.Max().ToString(format)}";

    /// <summary><paramref name="v"/> in <paramref name="format"/>, culture-invariant (the claims' evidence is compared across machines).</summary>
    public static string F(double v, string format) => v.ToString(format, C);
}
