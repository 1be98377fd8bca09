using DeepLite.Autograd;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-1-1: three nets of about 840 parameters (shallow, mid, deep) fit 1-D functions with MSE and
/// Adam; charts of training loss per epoch and of the fitted curves against the truth.
/// </summary>
public sealed class FunctionSimulation : IExperiment
{
    /// <summary>A target function on its domain; the net's input is x mapped affinely onto [0, 1].</summary>
    public sealed record Target(string Id, string Formula, double Low, double High, Func<double, double> F);

    /// <summary>The report's two functions and the course's two.</summary>
    public static IReadOnlyList<Target> Targets { get; } =
    [
        new("sin-degrees", "sin(x·π/180), x in [0, 360]", 0, 360, x => Math.Sin(x * Math.PI / 180)),
        new("sinc-10", "sin(10πx)/(10πx), x in (0, 1]", 1e-3, 1, x => Math.Sin(10 * Math.PI * x) / (10 * Math.PI * x)),
        new("sinc-5", "sin(5πx)/(5πx), x in (0, 1]", 1e-3, 1, x => Math.Sin(5 * Math.PI * x) / (5 * Math.PI * x)),
        new("sign-sin-5", "sgn(sin(5πx)), x in (0, 1]", 1e-3, 1, x => Math.Sign(Math.Sin(5 * Math.PI * x))),
    ];

    /// <summary>The settings of one preset; <paramref name="Models"/> null: HW1's three (<see cref="Hw1Models.FunctionNets"/>).</summary>
    public sealed record Settings(
        [property: Setting("Points of each function's domain the nets fit (evenly spaced).", Min = 2)] int Points,
        [property: Setting("Passes over the points.", Min = 1)] int Epochs,
        [property: Setting("Points per Adam step.", Min = 1)] int BatchSize,
        [property: Setting("Adam's learning rate.", Min = 0, Alias = "lr")] double LearningRate,
        [property: Setting("Points of each drawn fitted curve.", Min = 2)] int CurvePoints,
        [property: Setting("The functions fitted.", Choices = ["sin-degrees", "sinc-10", "sinc-5", "sign-sin-5"])] string[] Functions,
        [property: Setting("The nets, each 'name: layers' (input and output one value; docs/hw1.md, \"Models as data\").", Separator = ';')] string[]? Models = null)
    {
        /// <summary>The nets as descriptions, checked for one input and one output.</summary>
        public IReadOnlyList<ModelDescription> Nets()
        {
            var nets = ModelDescription.ParseAll(Models ?? Hw1Models.FunctionNets);
            foreach (var net in nets) net.Check([1], 1);
            return nets;
        }
    }

    /// <inheritdoc/>
    public string Id => "hw1-1-1";
    /// <inheritdoc/>
    public string Title => "HW1-1-1 Simulate a function: deep vs shallow";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => Targets.SelectMany(t => new[] { $"loss-{t.Id}", $"fit-{t.Id}" }).ToList();

    /// <inheritdoc/>
    public IReadOnlyList<string> ChartsFor(RunConfiguration configuration)
    {
        var functions = configuration.SettingsFor<Settings>(this).Functions;
        return [.. Targets.Where(t => functions.Contains(t.Id)).SelectMany(t => new[] { $"loss-{t.Id}", $"fit-{t.Id}" })];
    }

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Points: 1000, Epochs: 1000, BatchSize: 1, LearningRate: 1e-3, CurvePoints: 400, [.. Targets.Select(t => t.Id)], Hw1Models.FunctionNets)
        : new Settings(Points: 512, Epochs: 1000, BatchSize: 16, LearningRate: 3e-3, CurvePoints: 200, [.. Targets.Select(t => t.Id)], Hw1Models.FunctionNets);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var s = configuration.SettingsFor<Settings>(this);
        // Per step at batch 1 and at larger batches, the epoch's loss included (benchmarks/README.md, "Unit cost estimates").
        double cost = (double)s.Points / s.BatchSize * s.Epochs * (s.BatchSize == 1 ? 11e-6 : 21e-6);
        return [.. from target in Targets.Where(t => s.Functions.Contains(t.Id))
                   from net in s.Nets()
                   select new RunUnit(RunId(target, net.Name), s.Epochs, cost, (context, seed) => Fit(context, target, net, s, seed))];
    }

    /// <inheritdoc/>
    public IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration) =>
        configuration.SettingsFor<Settings>(this).Nets().Select(n => (n, new[] { 1 }, 1, "one value (x scaled to [0, 1])"));

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var s = configuration.SettingsFor<Settings>(this);
        var all = new List<Measurement>();
        var charts = new List<Chart>();
        foreach (var target in Targets.Where(t => s.Functions.Contains(t.Id)))
        {
            var runs = s.Nets().SelectMany(net => units[RunId(target, net.Name)]).Concat(GroundTruth(target, s)).ToList();
            all.AddRange(runs);
            charts.AddRange(Draw(configuration, s, target, runs));
        }
        var counts = s.Nets().ToDictionary(n => n.Name, n => (object)n.ParameterCount([1], 1));
        return new ExperimentResults(all, charts, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static string RunId(Target target, string net) => $"{target.Id}/{net.Split(' ')[0]}";

    private static double[] Grid(double low, double high, int n) => Enumerable.Range(0, n).Select(i => low + (high - low) * i / Math.Max(1, n - 1)).ToArray();

    private static float Scale(Target t, double x) => (float)((x - t.Low) / (t.High - t.Low));

    private static IEnumerable<Measurement> GroundTruth(Target target, Settings s) =>
        Grid(target.Low, target.High, s.CurvePoints).Select(x => new Measurement($"{target.Id}/truth", "x", x, "prediction", target.F(x)));

    private static List<Measurement> Fit(ExperimentContext context, Target target, ModelDescription net, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = net.Build<float>([1], 1, random);
        var name = net.Name;
        var optimizer = new Adam<float>(model.Parameters(), s.LearningRate);
        var xs = Grid(target.Low, target.High, s.Points);
        var inputs = Tensor.FromArray(xs.Select(x => Scale(target, x)).ToArray(), s.Points, 1);
        var targets = Tensor.FromArray(xs.Select(x => (float)target.F(x)).ToArray(), s.Points, 1);
        var xb = Tensor<float>.Zeros(s.BatchSize, 1);
        var yb = Tensor<float>.Zeros(s.BatchSize, 1);
        var order = new int[s.Points];
        var run = RunId(target, name);
        context.Progress.Message($"{run}: {model.ParameterCount} parameters");
        var points = new List<Measurement> { new(run, "params", 0, "parameter_count", model.ParameterCount) };
        for (int epoch = 1; epoch <= s.Epochs; epoch++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            for (int i = 0; i < order.Length; i++) order[i] = i;
            random.Shuffle<int>(order);
            for (int start = 0; start + s.BatchSize <= s.Points; start += s.BatchSize)
            {
                for (int i = 0; i < s.BatchSize; i++)
                {
                    xb.Span[i] = inputs.Span[order[start + i]];
                    yb.Span[i] = targets.Span[order[start + i]];
                }
                Trainer.Step(optimizer, () => Loss.MeanSquaredError(model.Forward(xb), yb), epoch: epoch, step: start / s.BatchSize + 1);
            }
            double loss;
            using (GradMode.Disable()) loss = Loss.MeanSquaredError(model.Forward(inputs), targets).Item();
            Trainer.EnsureFinite(loss, "loss over all points", epoch, s.Points / s.BatchSize);
            points.Add(new(run, "epoch", epoch, "train_loss", loss));
            context.Progress.Epoch(run, epoch, s.Epochs, loss, null);
        }
        var curve = Grid(target.Low, target.High, s.CurvePoints);
        using (GradMode.Disable())
        {
            var predicted = model.Forward(Tensor.FromArray(curve.Select(x => Scale(target, x)).ToArray(), curve.Length, 1)).ToArray();
            points.AddRange(curve.Select((x, i) => new Measurement(run, "x", x, "prediction", predicted[i])));
        }
        return points;
    }

    private static IEnumerable<Chart> Draw(RunConfiguration configuration, Settings s, Target target, List<Measurement> points)
    {
        var models = s.Nets().Select(m => (m.Name, Run: RunId(target, m.Name))).ToList();
        var loss = models.Select(m => new Series(m.Name, points.Where(p => p.Run == m.Run && p.Metric == "train_loss").Select(p => (p.X, p.Value)).ToList()));
        yield return new($"loss-{target.Id}", Framework.Charts.Create($"Training loss: {target.Formula}", Framework.Charts.Subtitle(configuration, "MSE, Adam"),
            new AxisSpec("epoch"), new AxisSpec("training loss (MSE)", Log: true), loss));
        var fits = models.Select(m => new Series(m.Name, points.Where(p => p.Run == m.Run && p.Metric == "prediction").Select(p => (p.X, p.Value)).ToList()))
            .Prepend(new Series("ground truth", points.Where(p => p.Run == $"{target.Id}/truth").Select(p => (p.X, p.Value)).ToList()));
        yield return new($"fit-{target.Id}", Framework.Charts.Create($"Fitted curves: {target.Formula}", Framework.Charts.Subtitle(configuration, "after the last epoch"),
            new AxisSpec("x"), new AxisSpec("f(x)"), fits));
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "deeper-fits-better", "The deeper nets (mid, deep) reach a lower training loss than the shallow one at about equal parameter count.", DeeperFitsBetter),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
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

    /// <summary>
    /// Judged on the geometric mean over the functions of (best deeper net's final loss / shallow net's), so that the
    /// tendency decides and one function going the other way (sinc-5 at the full preset) shows in the numbers
    /// without flipping the verdict: holds at half the shallow loss or less, does not hold at or above it.
    /// </summary>
    private static ClaimResult DeeperFitsBetter(IReadOnlyList<Measurement> p)
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
}
