using System.Diagnostics;
using DeepLite.Analysis;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// What the landscape experiments measure of a trained model, and how much of it: the Hessian of the training loss
/// (averaged over the first <see cref="Images"/> training images, in batches) by its top eigenvalues (Lanczos), its trace
/// (Hutchinson) and its eigenvalue density (stochastic Lanczos quadrature), all from Hessian-vector products (PyHessian,
/// Yao et al. 2020); and the loss and accuracy on a plane through the trained parameters along two filter-normalized
/// random directions, and on the line along the first (Li et al. 2018).
/// </summary>
public sealed record LandscapeAnalysis(
    [property: Setting("Training images the loss is averaged over (the first of the training set the model was trained on).", Min = 1)] int Images,
    [property: Setting("Images per batch of a Hessian-vector product.", Min = 1)] int BatchSize,
    [property: Setting("Largest Hessian eigenvalues computed (Lanczos).", Min = 1)] int TopEigenvalues,
    [property: Setting("Most Lanczos steps for them.", Min = 1)] int LanczosIterations,
    [property: Setting("Lanczos stops when each eigenvalue's residual is below this share of the largest.", Min = 0)] double Tolerance,
    [property: Setting("Rademacher samples of Hutchinson's trace estimate.", Min = 2)] int TraceSamples,
    [property: Setting("Lanczos steps of each density run (its nodes).", Min = 1)] int DensityIterations,
    [property: Setting("Density runs (random start vectors) averaged.", Min = 1)] int DensityRuns,
    [property: Setting("Points per axis of the loss surface (odd: the trained point on the grid).", Min = 3)] int SurfacePoints,
    [property: Setting("The surface spans α and β from -range to +range (in units of the filter-normalized directions).", Min = 0)] double SurfaceRange)
{
    /// <summary>The quick preset's: minutes for all of it.</summary>
    /// <remarks>
    /// A batch's Hessian-vector product keeps the double-backward graph: about 20 MB an image for hw1-1-2's widest CNN
    /// (612 channels at 28x28: batches of 50 peaked at 5.2 GB resident, of 20 at 1.77 GB), so the presets take 16 and 20.
    /// 512 images, not fewer: a trained CNN fits all but a few of them, and those few carry the Hessian, so on 64 images the
    /// top eigenvalue was the curvature of whichever images the last steps left uncertain; the deeper CNNs' values moved
    /// up to 7.5x with the rounding of their training (AVX2 against AVX-512) and with the seed, and hw1-1-2's deeper-sharper
    /// verdict with them. At 512 every ranking measured held, by at least 2.7x (docs/hw1.md).
    /// </remarks>
    public static LandscapeAnalysis Quick { get; } = new(Images: 512, BatchSize: 16, TopEigenvalues: 2, LanczosIterations: 10, Tolerance: 1e-3,
        TraceSamples: 6, DensityIterations: 10, DensityRuns: 1, SurfacePoints: 7, SurfaceRange: 1);

    /// <summary>
    /// The full preset's: PyHessian's analyses run on one batch of a few hundred images (its defaults: 100 iterations at a
    /// tolerance of 1e-3); this averages 500 (in batches of 20), with Lanczos to 1e-3, 30 trace samples, a density of 30 nodes and Li et
    /// al.'s 21 x 21 grid: about 7 minutes a CNN on 2 cores (benchmarks/README.md, "Unit cost estimates").
    /// </summary>
    public static LandscapeAnalysis Full { get; } = new(Images: 500, BatchSize: 20, TopEigenvalues: 5, LanczosIterations: 30, Tolerance: 1e-3,
        TraceSamples: 30, DensityIterations: 30, DensityRuns: 1, SurfacePoints: 21, SurfaceRange: 1);

    /// <summary>The grid of α (and β) values of the surface.</summary>
    public double[] Grid() => [.. Enumerable.Range(0, SurfacePoints).Select(i => -SurfaceRange + 2 * SurfaceRange * i / (SurfacePoints - 1))];

    /// <summary>Full passes of Hessian-vector products over the images at most, and forward evaluations, of one model's analysis.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // derived, not a setting: not in the manifest's settings nor their hash
    public (int Passes, int Evaluations) Work => (LanczosIterations + TraceSamples + DensityIterations * DensityRuns, SurfacePoints * SurfacePoints + SurfacePoints);

    /// <summary>
    /// The analysis of <paramref name="model"/> on <paramref name="data"/> (its first <see cref="Images"/>), as run
    /// <paramref name="run"/>'s points; the directions and start vectors are drawn from <paramref name="seed"/>. Each
    /// analysis's cost in passes (Hessian-vector products over the images) is a point; its seconds go to the progress log
    /// (results hold only what the seed fixes).
    /// </summary>
    public List<Measurement> Measure(ExperimentContext context, string run, Module<float> model, ImageDataset data, long seed)
    {
        var analysed = data.Take(Math.Min(Images, data.Count));
        model.Eval();
        var batches = new List<HessianBatch<float>>();
        for (int start = 0; start < analysed.Count; start += BatchSize)
        {
            var part = analysed.Slice(start, Math.Min(BatchSize, analysed.Count - start));
            var (x, labels) = (part.ToTensor(), part.Labels);
            batches.Add(new HessianBatch<float>(() => Loss.SoftmaxCrossEntropy(model.Forward(x), labels), part.Count));
        }
        var hessian = new HessianOperator<float>(model.Parameters(), batches);
        var random = new SeededRandom(seed);
        var points = new List<Measurement>();
        var clock = Stopwatch.StartNew();
        void Cost(string analysis, long passes)
        {
            points.Add(new(run, "analysis", 0, $"passes_{analysis}", passes));
            context.Progress.Message($"{run}: {analysis} took {passes} Hessian-vector product passes over {analysed.Count} images, {clock.Elapsed.TotalSeconds:F1} s");
            clock.Restart();
        }

        context.Cancellation.ThrowIfCancellationRequested();
        var top = HessianEigenvalues.Compute(hessian, Math.Min(TopEigenvalues, hessian.Dimension), random, Math.Max(LanczosIterations, TopEigenvalues), Tolerance);
        for (int i = 0; i < top.Eigenvalues.Length; i++)
        {
            points.Add(new(run, "rank", i + 1, "eigenvalue", top.Eigenvalues[i]));
            points.Add(new(run, "rank", i + 1, "eigenvalue_residual", top.Residuals[i]));
        }
        Cost("eigenvalues", top.Products);

        context.Cancellation.ThrowIfCancellationRequested();
        var trace = HessianTrace.Hutchinson(hessian, TraceSamples, random);
        points.Add(new(run, "samples", TraceSamples, "trace", trace.Trace));
        points.Add(new(run, "samples", TraceSamples, "trace_standard_error", trace.StandardError));
        Cost("trace", trace.Products);

        context.Cancellation.ThrowIfCancellationRequested();
        var density = SpectralDensity.Estimate(hessian, DensityIterations, DensityRuns, random);
        var (grid, values, sigma) = density.OnGrid(200);
        points.AddRange(grid.Zip(values, (x, p) => new Measurement(run, "eigenvalue", x, "density", p)));
        points.Add(new(run, "analysis", 0, "density_sigma", sigma));
        Cost("density", density.Products);

        context.Cancellation.ThrowIfCancellationRequested();
        var parameters = model.Parameters();
        var delta = LossSurface.FilterNormalizedDirection(parameters, random);
        var eta = LossSurface.FilterNormalizedDirection(parameters, random);
        var axis = Grid();
        (double Loss, double Accuracy) Evaluate()
        {
            context.Cancellation.ThrowIfCancellationRequested();
            return Evaluation.Evaluate(model, analysed, BatchSize);
        }
        foreach (var (alpha, (loss, accuracy)) in LossSurface.Line(parameters, delta, axis, Evaluate))
        {
            points.Add(new(run, "alpha", alpha, "slice_loss", loss));
            points.Add(new(run, "alpha", alpha, "slice_accuracy", accuracy));
        }
        var plane = LossSurface.Plane(parameters, delta, eta, axis, axis, Evaluate);
        for (int j = 0; j < axis.Length; j++)
            for (int i = 0; i < axis.Length; i++)
                points.Add(new(SurfaceRun(run, axis[j]), "alpha", axis[i], "surface_loss", plane[i, j].Loss));
        points.Add(new(run, "analysis", 0, "surface_evaluations", axis.Length * (axis.Length + 1)));
        context.Progress.Message($"{run}: loss surface, {axis.Length * (axis.Length + 1)} evaluations on {analysed.Count} images, {clock.Elapsed.TotalSeconds:F1} s");
        return points;
    }

    /// <summary>The run under which the surface's row at <paramref name="beta"/> is stored: "&lt;run&gt;|beta=&lt;β&gt;".</summary>
    public static string SurfaceRun(string run, double beta) => $"{run}|beta={F(beta, "0.####")}";

    /// <summary>The surface of <paramref name="run"/> from its points: the grid and the loss [α, β].</summary>
    public (double[] Axis, double[,] Loss) Surface(IReadOnlyList<Measurement> points, string run)
    {
        var axis = Grid();
        var loss = new double[axis.Length, axis.Length];
        for (int j = 0; j < axis.Length; j++)
        {
            var row = points.Where(p => p.Run == SurfaceRun(run, axis[j]) && p.Metric == "surface_loss").OrderBy(p => p.X).ToList();
            for (int i = 0; i < axis.Length; i++) loss[i, j] = i < row.Count ? row[i].Value : double.NaN;
        }
        return (axis, loss);
    }

    /// <summary>
    /// The charts of a group of analysed models (one dataset's CNNs, or the two batch sizes' MLPs): top eigenvalues, the
    /// eigenvalue density (log y), the 1-D slices (log y), and one contour chart per model. <paramref name="prefix"/> starts
    /// each chart's name; <paramref name="models"/> pairs each run with its legend and its chart slug.
    /// </summary>
    public IEnumerable<Chart> Draw(RunConfiguration configuration, string prefix, string label, IReadOnlyList<(string Run, string Name, string Slug)> models,
        IReadOnlyList<Measurement> points, string trainedWith)
    {
        var detail = $"{trainedWith}; Hessian of the training loss over {Images} images";
        Series Curve(string run, string name, string metric, int color) =>
            new(name, [.. points.Where(p => p.Run == run && p.Metric == metric).OrderBy(p => p.X).Select(p => (p.X, p.Value))], Color: color);
        yield return new($"{prefix}eigenvalues", Framework.Charts.Create($"{label}: top Hessian eigenvalues", Framework.Charts.Subtitle(configuration, detail + "; Lanczos"),
            new AxisSpec("rank"), new AxisSpec("eigenvalue"), models.Select((m, i) => Curve(m.Run, m.Name, "eigenvalue", i) with { Scatter = true })));
        // As PyHessian's density plot, a floor under the log axis (there 1e-7): the tails between far nodes fall to 1e-100
        // and would flatten the picture; the CSV keeps the values.
        Series Density(string run, string name, int color)
        {
            var curve = Curve(run, name, "density", color);
            double floor = 1e-6 * curve.Points.Select(q => q.Y).DefaultIfEmpty(1).Max();
            return curve with { Points = [.. curve.Points.Select(q => (q.X, q.Y + floor))] };
        }
        yield return new($"{prefix}density", Framework.Charts.Create($"{label}: Hessian eigenvalue density", Framework.Charts.Subtitle(configuration,
                detail + $"; stochastic Lanczos quadrature, {DensityRuns} run(s) of {DensityIterations} steps, each node broadened by a normal; + 1e-6 of the peak"),
            new AxisSpec("eigenvalue"), new AxisSpec("density", Log: true), models.Select((m, i) => Density(m.Run, m.Name, i))));
        yield return new($"{prefix}slices", Framework.Charts.Create($"{label}: training loss along a filter-normalized direction", Framework.Charts.Subtitle(configuration,
                detail.Replace("Hessian of the training loss", "loss") + "; θ + α δ (Li et al. 2018)"),
            new AxisSpec("α"), new AxisSpec("cross-entropy", Log: true), models.Select((m, i) => Curve(m.Run, m.Name, "slice_loss", i))));
        foreach (var (run, name, slug) in models)
        {
            var (axis, loss) = Surface(points, run);
            yield return new($"{prefix}surface-{slug}", Framework.Charts.CreateContour($"{label}, {name}: training loss surface", Framework.Charts.Subtitle(configuration,
                    detail.Replace("Hessian of the training loss", "loss") + "; θ + α δ + β η, filter-normalized random directions (Li et al. 2018); + the trained model"),
                new AxisSpec("α"), new AxisSpec("β"), axis, axis, loss));
        }
    }

    /// <summary>A model's top eigenvalue, trace and its standard error, from its points.</summary>
    public static (double Top, double Trace, double Error) Curvature(IReadOnlyList<Measurement> p, string run) =>
        (p.Single(x => x.Run == run && x.Metric == "eigenvalue" && x.X == 1).Value,
         p.Single(x => x.Run == run && x.Metric == "trace").Value,
         p.Single(x => x.Run == run && x.Metric == "trace_standard_error").Value);

    /// <summary>A chart-safe name: "CNN 1 hidden" → "cnn-1-hidden".</summary>
    public static string Slug(string name) => string.Concat(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-')).Trim('-');
}
