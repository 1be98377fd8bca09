using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// The comment under each experiment in the report, computed from its numbers. A sentence starting with
/// "Expected" flags an effect the homework expects that did not show.
/// </summary>
public static class ReportComments
{
    public static IEnumerable<string> For(IExperiment experiment, IReadOnlyList<Point> p) => experiment.Id switch
    {
        "hw1-1-1" => FunctionSimulation(p),
        "hw1-1-2" => Cnns(p),
        "hw1-2-1" => [$"{p.Where(x => x.Metric == "snapshot_accuracy").Select(x => x.Run).Distinct().Count()} runs; final training accuracy {Range(Last(p, "snapshot_accuracy"), "P1")}. Each run occupies its own region of the projection: different seeds end in different minima."],
        "hw1-2-2" => GradientNorm(p),
        "hw1-2-3" => MinimalRatio(p),
        "hw1-3-1" => RandomLabels(p),
        "hw1-3-2" => Parameters(p),
        "hw1-3-3-interpolation" => Interpolation(p),
        "hw1-3-3-sensitivity" => SensitivityComments(p),
        _ => [],
    };

    private static List<double> Last(IReadOnlyList<Point> p, string metric) =>
        p.Where(x => x.Metric == metric).GroupBy(x => x.Run).Select(g => g.MaxBy(x => x.X)!.Value).ToList();

    private static string Range(List<double> v, string format) => v.Count == 0 ? "n/a" : $"{v.Min().ToString(format)} to {v.Max().ToString(format)}";

    private static IEnumerable<string> FunctionSimulation(IReadOnlyList<Point> p)
    {
        foreach (var fn in p.Where(x => x.Metric == "train_loss").Select(x => x.Run.Split('/')[0]).Distinct())
        {
            var final = p.Where(x => x.Metric == "train_loss" && x.Run.StartsWith(fn + "/")).GroupBy(x => x.Run.Split('/')[1])
                .Select(g => (Model: g.Key, Loss: g.MaxBy(x => x.X)!.Value)).OrderBy(x => x.Loss).ToList();
            var best = final[0]; var worst = final[^1];
            yield return $"{fn}: lowest final loss {best.Model} ({best.Loss:G3}), {worst.Loss / best.Loss:F1}x below {worst.Model} ({worst.Loss:G3}).";
            if (best.Model == "shallow") yield return $"Expected the deeper nets to fit {fn} at least as well as the shallow one; here the shallow net reached the lowest loss.";
        }
    }

    private static IEnumerable<string> Cnns(IReadOnlyList<Point> p)
    {
        foreach (var dataset in p.Select(x => x.Run.Split('/')[0]).Distinct())
        {
            var final = p.Where(x => x.Metric == "train_accuracy" && x.Run.StartsWith(dataset + "/")).GroupBy(x => x.Run.Split('/')[1])
                .Select(g => (Model: g.Key, Accuracy: g.MaxBy(x => x.X)!.Value)).OrderByDescending(x => x.Accuracy).ToList();
            var test = p.Where(x => x.Metric == "test_accuracy" && x.Run.StartsWith(dataset + "/")).GroupBy(x => x.Run.Split('/')[1]).ToDictionary(g => g.Key, g => g.MaxBy(x => x.X)!.Value);
            yield return $"{dataset}: final training accuracy " + string.Join(", ", final.Select(f => $"{f.Model} {f.Accuracy:P1} (test {test.GetValueOrDefault(f.Model):P1})")) + ".";
            if (final.All(f => f.Accuracy < 0.5)) yield return $"Expected the CNNs to learn {dataset} well; with these epochs none passed 50% training accuracy (too few steps at these settings: the full preset's Adadelta at lr 0.1 starts slowly).";
        }
    }

    private static IEnumerable<string> GradientNorm(IReadOnlyList<Point> p)
    {
        var g = p.Where(x => x.Metric == "gradient_norm").OrderBy(x => x.X).Select(x => x.Value).ToList();
        var l = p.Where(x => x.Metric == "loss").OrderBy(x => x.X).Select(x => x.Value).ToList();
        if (g.Count == 0) yield break;
        yield return $"{g.Count} iterations: gradient norm {g[0]:G3} at the start, peak {g.Max():G3}, {g[^1]:G3} at the end, while the loss went from {l[0]:G3} to {l[^1]:G3}.";
        if (g[^1] > 0.2 * g.Max()) yield return "The gradient norm stays of the same order while the loss falls: minibatch gradients do not vanish during training.";
    }

    private static IEnumerable<string> MinimalRatio(IReadOnlyList<Point> p)
    {
        int runs = p.Count(x => x.Metric == "converged"), below = p.Count(x => x.Metric == "converged" && x.Value == 1);
        var ratio = p.Where(x => x.Metric == "minimal_ratio").Select(x => x.Value).Order().ToList();
        var sampled = p.Where(x => x.Metric == "sampled_ratio").Select(x => x.Value).Order().ToList();
        yield return $"{below} of {runs} runs reached the gradient-norm threshold. Minimal ratio from the Hessian: {Range(ratio, "F2")} (median {ratio[ratio.Count / 2]:F2}); the report's sampled ratio: {Range(sampled, "F2")} (median {sampled[sampled.Count / 2]:F2}).";
        var eigen = p.Where(x => x.Metric == "eigenvalue").Select(x => x.Value).ToList();
        if (eigen.Count > 0)
            yield return $"Of {eigen.Count} eigenvalues shown, {eigen.Count(e => e > 1e-6)} are positive, {eigen.Count(e => e < -1e-6)} negative and {eigen.Count(e => Math.Abs(e) <= 1e-6)} (near) zero: most critical points found are flat or saddle-like, which sampling neighbours cannot reveal.";
    }

    private static IEnumerable<string> RandomLabels(IReadOnlyList<Point> p)
    {
        double train = Last(p, "train_accuracy").FirstOrDefault(), test = Last(p, "test_accuracy").FirstOrDefault();
        yield return $"Final training accuracy on the permuted labels {train:P1}; test accuracy on the true labels {test:P1} (chance is 10%).";
        if (train < 0.9) yield return "Expected the training accuracy to approach 100%; it needs more epochs (or a smaller training set).";
        if (test > 0.2) yield return "Expected the test accuracy to stay near chance; it did not.";
    }

    private static IEnumerable<string> Parameters(IReadOnlyList<Point> p)
    {
        var test = p.Where(x => x.Metric == "test_accuracy").OrderBy(x => x.X).ToList();
        var train = p.Where(x => x.Metric == "train_accuracy").ToDictionary(x => x.Run, x => x.Value);
        if (test.Count == 0) yield break;
        yield return $"Parameters from {test[0].X:N0} to {test[^1].X:N0}: test accuracy {test[0].Value:P1} (smallest) to {test[^1].Value:P1} (largest); the largest train-test gap is {test.Max(t => train[t.Run] - t.Value):P1}.";
    }

    private static IEnumerable<string> Interpolation(IReadOnlyList<Point> p)
    {
        var loss = p.Where(x => x.Metric == "train_loss").ToDictionary(x => Math.Round(x.X, 6), x => x.Value);
        if (loss.Count == 0) yield break;
        double between = loss.Where(kv => kv.Key > 0 && kv.Key < 1).Select(kv => kv.Value).DefaultIfEmpty(double.NaN).Max();
        yield return $"Training loss {loss.GetValueOrDefault(0):G3} at α = 0 (small batch), {loss.GetValueOrDefault(1):G3} at α = 1 (large batch), at most {between:G3} in between, {loss.GetValueOrDefault(-1):G3} at α = -1 and {loss.GetValueOrDefault(2):G3} at α = 2.";
        if (between <= Math.Max(loss.GetValueOrDefault(0), loss.GetValueOrDefault(1))) yield return "No barrier between the two minima along this line.";
    }

    private static IEnumerable<string> SensitivityComments(IReadOnlyList<Point> p)
    {
        List<(double Batch, double Value)> Series(string metric) => p.Where(x => x.Metric == metric).OrderBy(x => x.X).Select(x => (x.X, x.Value)).ToList();
        var jac = Series("sensitivity_jacobian"); var report = Series("sensitivity_loss_gradient"); var test = Series("test_accuracy");
        if (jac.Count == 0) yield break;
        yield return $"Sensitivity (Jacobian) {jac[0].Value:G3} at batch {jac[0].Batch} and {jac[^1].Value:G3} at batch {jac[^1].Batch}; the report's loss-gradient measure went from {report[0].Value:G3} to {report[^1].Value:G3}, a fall the 1/B of the batch mean produces by itself.";
        yield return $"Test accuracy {test[0].Value:P1} at batch {test[0].Batch} and {test[^1].Value:P1} at batch {test[^1].Batch} (same epochs, so the large batch made {p.First(x => x.Metric == "updates" && x.X == jac[0].Batch).Value / p.First(x => x.Metric == "updates" && x.X == jac[^1].Batch).Value:F0}x fewer updates).";
        foreach (var metric in p.Select(x => x.Metric).Where(m => m.StartsWith("sharpness_eps_", StringComparison.Ordinal)).Distinct())
        {
            var s = Series(metric);
            yield return $"Sharpness ({metric["sharpness_eps_".Length..].Replace('_', ' ')}): {s[0].Value:G3} at batch {s[0].Batch}, {s[^1].Value:G3} at batch {s[^1].Batch}{(s[^1].Value > s[0].Value ? " (larger batches sit in sharper regions)" : "")}.";
        }
    }
}
