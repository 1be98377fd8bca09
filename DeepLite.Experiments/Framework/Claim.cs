namespace DeepLite.Experiments.Framework;

/// <summary>Whether a claim holds in a set of results.</summary>
public enum Verdict
{
    /// <summary>The numbers show what the claim says.</summary>
    Holds,
    /// <summary>The numbers show the opposite, or clearly not what the claim says.</summary>
    DoesNotHold,
    /// <summary>Between the two thresholds: too close to call at these settings.</summary>
    NotConclusive,
    /// <summary>
    /// The runs stopped while what the claim compares was still changing fast (a ranking of models still climbing):
    /// no verdict at these settings. The quick preset says this rather than a verdict the full preset contradicts.
    /// </summary>
    TooShort,
}

/// <summary>A claim's verdict on one set of results, with the numbers it rests on.</summary>
public sealed record ClaimResult(Verdict Verdict, string Evidence);

/// <summary>
/// A statement of the report about one experiment, and how to judge it from that experiment's points (its
/// results.csv). The thresholds are part of the claim: quick and full runs are judged alike.
/// </summary>
public sealed record Claim(string Experiment, string Id, string Statement, Func<IReadOnlyList<Measurement>, ClaimResult> Judge)
{
    /// <summary>The verdict on <paramref name="points"/>; missing metrics make it not conclusive, not an error.</summary>
    public ClaimResult Evaluate(IReadOnlyList<Measurement> points)
    {
        try { return Judge(points); }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException)
        {
            return new ClaimResult(Verdict.NotConclusive, $"the results lack what this claim needs ({e.Message})");
        }
    }

    /// <summary>Holds above <paramref name="holds"/>, does not hold below <paramref name="fails"/>, not conclusive between.</summary>
    public static Verdict Threshold(double value, double holds, double fails) =>
        value >= holds ? Verdict.Holds : value <= fails ? Verdict.DoesNotHold : Verdict.NotConclusive;
}
