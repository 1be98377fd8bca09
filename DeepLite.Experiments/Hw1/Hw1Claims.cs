using System.Globalization;
using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// The report's claims, one or two per HW1 item, each judged from the item's results (see docs/hw1.md). The same
/// judges run on the quick and the full preset: REPORT.md shows the verdicts, and a test holds the quick preset's
/// verdicts to those recorded from the full run (docs/hw1/claims-full.json).
/// </summary>
public static class Hw1Claims
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <summary>Every claim, in the order of the report.</summary>
    public static IReadOnlyList<Claim> All { get; } =
    [
        new("hw1-1-1", "deeper-fits-better", "The deeper nets (mid, deep) reach a lower training loss than the shallow one at about equal parameter count.", DeeperFitsBetter),
        new("hw1-1-2", "one-hidden-worst", "The 1-hidden CNN is the worst of the three on both MNIST and CIFAR-10 (final test accuracy).", OneHiddenWorst),
        new("hw1-2-1", "separate-trajectories", "Runs from different seeds follow separate trajectories and end in different places of the joint PCA.", SeparateTrajectories),
        new("hw1-2-2", "gradient-does-not-vanish", "The training loss falls while the minibatch gradient norm does not fall to zero.", GradientDoesNotVanish),
        new("hw1-2-3", "not-minima", "Where the gradient almost vanishes, the points are mostly not minima: the minimal ratio (share of positive Hessian eigenvalues) is well below 1.", NotMinima),
        new("hw1-3-1", "random-labels", "On randomly permuted labels, training accuracy climbs well above chance while test accuracy stays at chance.", RandomLabels),
        new("hw1-3-2", "plateau", "Test accuracy plateaus as the number of parameters grows: the larger half of the models is not clearly better than the smaller half.", Plateau),
        new("hw1-3-3-interpolation", "rises-outside", "Along the line through the two minima, the loss rises steeply outside them (at α = -1 and α = 2).", RisesOutside),
        new("hw1-3-3-sensitivity", "sensitivity-vs-batch", "Sensitivity (Jacobian norm) rises with the batch size.", SensitivityRises),
        new("hw1-3-3-sensitivity", "sharpness-vs-batch", "Sharpness rises with the batch size (large batches find sharper minima).", SharpnessRises),
    ];

    /// <summary>The claims about one experiment.</summary>
    public static IEnumerable<Claim> For(string experiment) => All.Where(c => c.Experiment == experiment);

    private static double Final(IReadOnlyList<Point> p, string run, string metric) =>
        p.Where(x => x.Run == run && x.Metric == metric).MaxBy(x => x.X)?.Value ?? throw new InvalidOperationException($"no {metric} for {run}");

    private static string F(double v, string format) => v.ToString(format, C);

    /// <summary>
    /// Judged on the geometric mean over the functions of (best deeper net's final loss / shallow net's), so that the
    /// tendency decides and one function going the other way (sinc-5 at the full preset) shows in the numbers
    /// without flipping the verdict: holds at half the shallow loss or less, does not hold at or above it.
    /// </summary>
    private static ClaimResult DeeperFitsBetter(IReadOnlyList<Point> p)
    {
        var functions = p.Where(x => x.Metric == "train_loss").Select(x => x.Run.Split('/')[0]).Distinct().ToList();
        if (functions.Count == 0) throw new InvalidOperationException("no training losses");
        var notes = new List<string>();
        int deeperWins = 0;
        double logRatio = 0;
        foreach (var fn in functions)
        {
            double shallow = Final(p, $"{fn}/shallow", "train_loss"), deeper = Math.Min(Final(p, $"{fn}/mid", "train_loss"), Final(p, $"{fn}/deep", "train_loss"));
            if (deeper < shallow) deeperWins++;
            logRatio += Math.Log(deeper / shallow);
            notes.Add($"{fn}: deeper {F(deeper, "G3")} vs shallow {F(shallow, "G3")}");
        }
        double ratio = Math.Exp(logRatio / functions.Count);
        return new(Claim.Threshold(-ratio, -0.5, -1), $"deeper / shallow final loss, geometric mean over {functions.Count} functions {F(ratio, "G3")}; deeper lower on {deeperWins} of {functions.Count} ({string.Join("; ", notes)})");
    }

    /// <summary>
    /// Judged per dataset on the test accuracy (held-out images: how a model does on the task), at the last epoch and at
    /// the one before: a dataset where the 1-hidden CNN is the worst at one of them and not at the other is not ranked,
    /// since its curves are still crossing the others'. Early in training the 1-hidden CNN leads (it learns fastest);
    /// at the full preset it is last on MNIST from epoch 2 and on CIFAR-10 first at epoch 13, for good from 17
    /// (training accuracy: from 14). Training accuracy is not the judge: on the few thousand images of a short run the 1-hidden CNN's
    /// 1.5M-weight dense layer memorizes them (the quick preset: CIFAR-10 training accuracy 17 points above test), so
    /// there it measures memorization; at the full preset both agree. The evidence shows both.
    /// </summary>
    private static ClaimResult OneHiddenWorst(IReadOnlyList<Point> p)
    {
        var datasets = p.Where(x => x.Metric == "test_accuracy").Select(x => x.Run.Split('/')[0]).Distinct().ToList();
        if (datasets.Count == 0) throw new InvalidOperationException("no test accuracies");
        int worst = 0, crossing = 0;
        var notes = new List<string>();
        foreach (var d in datasets)
        {
            var (one, four, eight) = (LastTwo(p, $"{d}/CNN 1 hidden"), LastTwo(p, $"{d}/CNN 4 hidden"), LastTwo(p, $"{d}/CNN 8 hidden"));
            bool worstNow = one.Last < Math.Min(four.Last, eight.Last), worstBefore = one.Before < Math.Min(four.Before, eight.Before);
            if (worstNow != worstBefore) crossing++;
            else if (worstNow) worst++;
            string Train(string model) => F(Final(p, $"{d}/{model}", "train_accuracy"), "P1");
            notes.Add($"{d}: test 1 hidden {F(one.Last, "P1")}, 4 hidden {F(four.Last, "P1")}, 8 hidden {F(eight.Last, "P1")}" +
                (worstNow == worstBefore ? "" : $", still crossing (1 hidden {(worstBefore ? "" : "not ")}worst an epoch before)") +
                $"; training {Train("CNN 1 hidden")}, {Train("CNN 4 hidden")}, {Train("CNN 8 hidden")}");
        }
        if (crossing > 0)
            return new(Verdict.TooShort, $"the test accuracies are still crossing on {crossing} of {datasets.Count} datasets ({string.Join("; ", notes)})");
        var verdict = worst == datasets.Count ? Verdict.Holds : worst == 0 ? Verdict.DoesNotHold : Verdict.NotConclusive;
        return new(verdict, $"worst on {worst} of {datasets.Count} datasets at the last two epochs ({string.Join("; ", notes)})");
    }

    /// <summary>A run's test accuracy at its last epoch and at the one before (it needs two epochs).</summary>
    private static (double Last, double Before) LastTwo(IReadOnlyList<Point> p, string run)
    {
        var last = p.Where(x => x.Run == run && x.Metric == "test_accuracy").OrderByDescending(x => x.X).Take(2).ToList();
        if (last.Count < 2) throw new InvalidOperationException($"{run} has fewer than two epochs of test_accuracy");
        return (last[0].Value, last[1].Value);
    }

    private static ClaimResult SeparateTrajectories(IReadOnlyList<Point> p)
    {
        // Whole-model projection: each run's snapshots in order (pc1, pc2 pairs).
        var runs = p.Where(x => x.Run.StartsWith("pca-whole-model/", StringComparison.Ordinal)).GroupBy(x => x.Run).Select(g =>
        {
            var pc1 = g.Where(x => x.Metric == "pc1").Select(x => x.Value).ToList();
            var pc2 = g.Where(x => x.Metric == "pc2").Select(x => x.Value).ToList();
            return pc1.Zip(pc2).ToList();
        }).Where(r => r.Count >= 2).ToList();
        if (runs.Count < 2) throw new InvalidOperationException("fewer than two runs");
        static double Distance((double, double) a, (double, double) b) => Math.Sqrt(Math.Pow(a.Item1 - b.Item1, 2) + Math.Pow(a.Item2 - b.Item2, 2));
        double closest = double.MaxValue;
        for (int i = 0; i < runs.Count; i++)
            for (int j = i + 1; j < runs.Count; j++) closest = Math.Min(closest, Distance(runs[i][^1], runs[j][^1]));
        var lastSteps = runs.Select(r => Distance(r[^2], r[^1])).Order().ToList();
        double step = lastSteps[lastSteps.Count / 2];
        double ratio = closest / step;
        return new(Claim.Threshold(ratio, 1, 0.25), $"closest final points of two runs {F(closest, "G3")} apart, {F(ratio, "F1")}x a run's median last step ({F(step, "G3")})");
    }

    private static ClaimResult GradientDoesNotVanish(IReadOnlyList<Point> p)
    {
        var g = p.Where(x => x.Metric == "gradient_norm").OrderBy(x => x.X).Select(x => x.Value).ToList();
        var l = p.Where(x => x.Metric == "loss").OrderBy(x => x.X).Select(x => x.Value).ToList();
        int tail = Math.Max(1, g.Count / 10);
        double endGradient = g.TakeLast(tail).Average(), peak = g.Max(), startLoss = l.Take(tail).Average(), endLoss = l.TakeLast(tail).Average();
        bool falls = endLoss < 0.5 * startLoss;
        double share = endGradient / peak;
        var verdict = !falls ? Verdict.NotConclusive : Claim.Threshold(share, 0.1, 0.02);
        return new(verdict, $"loss {F(startLoss, "G3")} -> {F(endLoss, "G3")}; gradient norm over the last tenth {F(endGradient, "G3")}, {F(share, "P0")} of its peak {F(peak, "G3")}");
    }

    private static ClaimResult NotMinima(IReadOnlyList<Point> p)
    {
        var ratios = p.Where(x => x.Metric == "minimal_ratio").Select(x => x.Value).Order().ToList();
        double median = ratios[ratios.Count / 2];
        return new(Claim.Threshold(-median, -0.8, -0.95), $"median minimal ratio {F(median, "F2")} over {ratios.Count} runs (range {F(ratios[0], "F2")} to {F(ratios[^1], "F2")})");
    }

    private static ClaimResult RandomLabels(IReadOnlyList<Point> p)
    {
        var run = p.First(x => x.Metric == "train_accuracy").Run;
        double train = Final(p, run, "train_accuracy"), test = Final(p, run, "test_accuracy");
        var verdict = test > 0.2 ? Verdict.DoesNotHold : Claim.Threshold(train, 0.3, 0.15);
        return new(verdict, $"final training accuracy {F(train, "P1")} on permuted labels, test accuracy {F(test, "P1")} on true labels (chance 10 %)");
    }

    private static ClaimResult Plateau(IReadOnlyList<Point> p)
    {
        var models = p.Where(x => x.Metric == "test_accuracy").OrderBy(x => x.X).ToList();
        int half = models.Count / 2;
        double small = models.Take(half).Average(x => x.Value), large = models.Skip(models.Count - half).Average(x => x.Value);
        double gain = large - small;
        return new(Claim.Threshold(-gain, -0.015, -0.03), $"mean test accuracy of the {half} larger models {F(large, "P1")} vs the {half} smaller {F(small, "P1")} (gain {F(gain * 100, "F1")} points)");
    }

    private static ClaimResult RisesOutside(IReadOnlyList<Point> p)
    {
        var loss = p.Where(x => x.Metric == "train_loss").ToDictionary(x => Math.Round(x.X, 6), x => x.Value);
        double inside = Math.Max(loss[0], loss[1]), outside = Math.Min(loss[-1], loss[2]);
        double factor = outside / inside;
        return new(Claim.Threshold(factor, 10, 2), $"training loss {F(loss[0], "G3")} and {F(loss[1], "G3")} at the minima, {F(loss[-1], "G3")} at α = -1 and {F(loss[2], "G3")} at α = 2 ({F(factor, "G3")}x)");
    }

    private static ClaimResult SensitivityRises(IReadOnlyList<Point> p) => Trend(p, "sensitivity_jacobian", "sensitivity (Jacobian)");

    private static ClaimResult SharpnessRises(IReadOnlyList<Point> p)
    {
        var metric = p.Select(x => x.Metric).Where(m => m.StartsWith("sharpness_keskar_eps_", StringComparison.Ordinal)).Distinct().OrderBy(m => m, StringComparer.Ordinal).Last();
        return Trend(p, metric, metric.Replace('_', ' '));
    }

    /// <summary>Rises: the value at the largest batch against the smallest, 20 % either way decides.</summary>
    private static ClaimResult Trend(IReadOnlyList<Point> p, string metric, string name)
    {
        var s = p.Where(x => x.Metric == metric).OrderBy(x => x.X).ToList();
        double ratio = s[^1].Value / s[0].Value;
        return new(Claim.Threshold(ratio, 1.2, 1 / 1.2), $"{name} {F(s[0].Value, "G3")} at batch {s[0].X} and {F(s[^1].Value, "G3")} at batch {s[^1].X} ({F(ratio, "F2")}x)");
    }
}
