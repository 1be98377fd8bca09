using DeepLite.Analysis;
using DeepLite.Autograd;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Series;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-2-3: a small net fits sin(5πx)/(5πx) with MSE, then minimizes the squared gradient norm (its
/// gradient is 2·H·g, through double backward) until the norm is below a threshold or the step budget is
/// spent. At that point the full float64 Hessian gives the minimal ratio (share of eigenvalues above a
/// tolerance, the course's definition); the report's sampling estimate is kept as a second measure.
/// </summary>
public sealed class MinimalRatio : IExperiment
{
    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(
        [property: Setting("Trainings, each from its own seed (one point each).", Min = 1)] int Runs,
        [property: Setting("The net's widths, input 1 to output 1 (float64; its Hessian is computed whole).", Min = 1)] int[] Widths,
        [property: Setting("Points of sin(5πx)/(5πx) on (0, 1] fitted.", Min = 2)] int Points,
        [property: Setting("Adam steps fitting the function (MSE).", Min = 0)] int FitSteps,
        [property: Setting("Steps minimizing the squared gradient norm after the fit.", Min = 0)] int GradientSteps,
        [property: Setting("Gradient norm under which the minimization stops.", Min = 0)] double GradientThreshold,
        [property: Setting("Eigenvalues above this count as positive in the minimal ratio.", Min = 0)] double EigenvalueTolerance,
        [property: Setting("Random perturbations of the report's sampled ratio.", Min = 1)] int Samples,
        [property: Setting("Radius of those perturbations.", Min = 0)] double SampleRadius,
        [property: Setting("Runs whose whole spectrum is drawn.", Min = 0)] int SpectrumRuns);

    /// <inheritdoc/>
    public string Id => "hw1-2-3";
    /// <inheritdoc/>
    public string Title => "HW1-2-3 What happens when the gradient is almost zero (minimal ratio)";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["minimal-ratio-vs-loss", "eigenvalues"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Runs: 100, [1, 10, 10, 1], Points: 100, FitSteps: 3000, GradientSteps: 3000, GradientThreshold: 1e-3, EigenvalueTolerance: 1e-6, Samples: 100, SampleRadius: 1e-2, SpectrumRuns: 4)
        : new Settings(Runs: 100, [1, 10, 10, 1], Points: 100, FitSteps: 1000, GradientSteps: 1000, GradientThreshold: 1e-3, EigenvalueTolerance: 1e-6, Samples: 100, SampleRadius: 1e-2, SpectrumRuns: 4);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        // Per fitting step; the gradient-norm descent rarely runs, half the fits already meet the threshold
        // (benchmarks/README.md, "Unit cost estimates").
        double cost = s.FitSteps * 15e-6 + s.GradientSteps * 2e-6 + 0.005;
        return [.. Enumerable.Range(0, s.Runs).Select(run => new RunUnit($"run-{run + 1:D3}", 2, cost, (context, seed) => Train(context, run, s, seed)))];
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var points = units.All;
        int converged = points.Count(p => p.Metric == "converged" && p.Value == 1);
        return new ExperimentResults(points, Draw(configuration, s, points), new Dictionary<string, object> { ["runsBelowThreshold"] = converged });
    }

    private static List<Measurement> Train(ExperimentContext context, int index, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.Mlp<double>(random, s.Widths);
        var xs = Enumerable.Range(1, s.Points).Select(i => (double)i / s.Points).ToArray();
        var x = Tensor.FromArray(xs, s.Points, 1);
        var y = Tensor.FromArray(xs.Select(v => Math.Sin(5 * Math.PI * v) / (5 * Math.PI * v)).ToArray(), s.Points, 1);
        var parameters = model.Parameters();
        var id = $"run-{index + 1:D3}";

        var fit = new Adam<double>(parameters, 1e-2);
        for (int step = 0; step < s.FitSteps; step++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            Trainer.Step(fit, () => Loss.MeanSquaredError(model.Forward(x), y), epoch: 1, step: step + 1, what: $"{id} fit loss");
        }
        context.Progress.Epoch(id, 1, 2, Mse(model, x, y), null);

        // Minimize ||∇L||²: its gradient, 2·H·∇L, comes from differentiating the recorded gradient. Not Trainer.Step:
        // the norm is checked against the threshold between the forward pass and the backward one.
        var descend = new Adam<double>(parameters, 1e-3);
        double norm = double.PositiveInfinity;
        int steps = 0;
        for (; steps < s.GradientSteps; steps++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            using var scope = TensorPool.BeginScope();
            descend.ZeroGrad();
            var grads = AutoDiff.Grad(Loss.MeanSquaredError(model.Forward(x), y), parameters, createGraph: true);
            var squared = grads.Select(g => (g * g).Sum()).Aggregate((a, b) => a + b);
            norm = Math.Sqrt(squared.Item());
            Trainer.EnsureFinite(norm, $"{id} gradient norm", 2, steps + 1);
            if (norm < s.GradientThreshold) break;
            squared.Backward();
            descend.Step();
        }
        double loss = Mse(model, x, y);
        context.Progress.Epoch(id, 2, 2, loss, null);

        var spectrum = HessianSpectrum.Compute(Loss.MeanSquaredError(model.Forward(x), y), parameters);
        double sampled = SampledMinimalRatio.Estimate(parameters, () => Mse(model, x, y), s.Samples, s.SampleRadius, random);
        var points = new List<Measurement>
        {
            new(id, "run", index + 1, "loss", loss),
            new(id, "run", index + 1, "gradient_norm", norm),
            new(id, "run", index + 1, "converged", norm < s.GradientThreshold ? 1 : 0),
            new(id, "run", index + 1, "gradient_steps", steps),
            new(id, "run", index + 1, "minimal_ratio", spectrum.MinimalRatio(s.EigenvalueTolerance)),
            // Most eigenvalues of this over-parameterised net are (near) zero, which pulls the course's ratio down by
            // itself: the share of positive ones among those that are not near zero says what the curvature does.
            new(id, "run", index + 1, "nonzero_positive_ratio", NonZeroPositiveShare(spectrum.Eigenvalues, s.EigenvalueTolerance)),
            new(id, "run", index + 1, "sampled_ratio", sampled),
        };
        if (index < s.SpectrumRuns)
            points.AddRange(spectrum.Eigenvalues.Select((e, i) => new Measurement(id, "index", i, "eigenvalue", e)));
        return points;
    }

    /// <summary>The share of eigenvalues above <paramref name="tolerance"/> among those above it in magnitude (NaN when all are near zero).</summary>
    internal static double NonZeroPositiveShare(IReadOnlyList<double> eigenvalues, double tolerance)
    {
        int positive = eigenvalues.Count(e => e > tolerance), nonZero = eigenvalues.Count(e => Math.Abs(e) > tolerance);
        return nonZero == 0 ? double.NaN : positive / (double)nonZero;
    }

    private static double Mse(DeepLite.Layers.Module<double> model, Tensor<double> x, Tensor<double> y)
    {
        using var _ = GradMode.Disable();
        return Loss.MeanSquaredError(model.Forward(x), y).Item();
    }

    private static List<Chart> Draw(RunConfiguration configuration, Settings s, IReadOnlyList<Measurement> points)
    {
        List<(double, double)> Pairs(string metric) => points.Where(p => p.Metric == metric)
            .Join(points.Where(p => p.Metric == "loss"), a => a.Run, b => b.Run, (a, b) => (a.Value, b.Value)).ToList();
        int converged = points.Count(p => p.Metric == "converged" && p.Value == 1);
        var ratios = Framework.Charts.Create("Minimal ratio vs loss where the gradient is (almost) zero",
            Framework.Charts.Subtitle(configuration, $"{s.Runs} runs, {converged} reached ||∇L|| < {s.GradientThreshold:G}; x: the course's minimal ratio = share of all Hessian eigenvalues > {s.EigenvalueTolerance:G} (most are near zero), with the share among those not near zero and the report's sampled estimate"),
            new AxisSpec("ratio (see legend)"), new AxisSpec("training loss (MSE)", Log: true),
            [new Framework.Series("minimal ratio: positive / all eigenvalues (course)", Pairs("minimal_ratio"), Scatter: true),
             new Framework.Series("positive / eigenvalues not near zero", Pairs("nonzero_positive_ratio"), Scatter: true),
             new Framework.Series($"sampled: share of {s.Samples} neighbours higher (report)", Pairs("sampled_ratio"), Scatter: true)]);

        var eigen = points.Where(p => p.Metric == "eigenvalue").Select(p => p.Value).ToList();
        var model = Framework.Charts.NewModel($"Hessian eigenvalues of the first {s.SpectrumRuns} runs", Framework.Charts.Subtitle(configuration, "at the end of the gradient-norm descent; |λ| shown on a signed log scale"));
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "sign(λ)·log10(1 + |λ|/1e-6)" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "count" });
        // A signed log scale: the spectrum spans decades on both sides of zero.
        var scaled = eigen.Select(e => Math.Sign(e) * Math.Log10(1 + Math.Abs(e) / 1e-6)).ToList();
        if (scaled.Count > 0)
        {
            double lo = scaled.Min(), hi = Math.Max(scaled.Max(), lo + 1e-9);
            int bins = 40;
            var histogram = new HistogramSeries { FillColor = OxyColor.FromRgb(0x1f, 0x77, 0xb4), StrokeThickness = 0.5 };
            for (int b = 0; b < bins; b++)
            {
                double a = lo + (hi - lo) * b / bins, z = lo + (hi - lo) * (b + 1) / bins;
                int count = scaled.Count(v => v >= a && (v < z || b == bins - 1));
                histogram.Items.Add(new HistogramItem(a, z, count * (z - a), count));
            }
            model.Series.Add(histogram);
        }
        return [new("minimal-ratio-vs-loss", ratios), new("eigenvalues", model)];
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "not-minima", "Where the gradient almost vanishes, the points are mostly not minima: the minimal ratio (share of positive Hessian eigenvalues) is well below 1.", NotMinima),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        int runs = p.Count(x => x.Metric == "converged"), below = p.Count(x => x.Metric == "converged" && x.Value == 1);
        var ratio = p.Where(x => x.Metric == "minimal_ratio").Select(x => x.Value).Order().ToList();
        var sampled = p.Where(x => x.Metric == "sampled_ratio").Select(x => x.Value).Order().ToList();
        yield return $"{below} of {runs} runs reached the gradient-norm threshold. Minimal ratio from the Hessian: {RangeOf(ratio, "F2")} (median {ratio[ratio.Count / 2]:F2}); the report's sampled ratio: {RangeOf(sampled, "F2")} (median {sampled[sampled.Count / 2]:F2}).";
        var eigen = p.Where(x => x.Metric == "eigenvalue").Select(x => x.Value).ToList();
        if (eigen.Count > 0)
            yield return $"Of {eigen.Count} eigenvalues shown, {eigen.Count(e => e > 1e-6)} are positive, {eigen.Count(e => e < -1e-6)} negative and {eigen.Count(e => Math.Abs(e) <= 1e-6)} (near) zero: most critical points found are flat or saddle-like, which sampling neighbours cannot reveal.";
    }

    private static ClaimResult NotMinima(IReadOnlyList<Measurement> p)
    {
        var ratios = p.Where(x => x.Metric == "minimal_ratio").Select(x => x.Value).Order().ToList();
        double median = ratios[ratios.Count / 2];
        return new(Claim.Threshold(-median, -0.8, -0.95), $"median minimal ratio {F(median, "F2")} over {ratios.Count} runs (range {F(ratios[0], "F2")} to {F(ratios[^1], "F2")})");
    }
}
