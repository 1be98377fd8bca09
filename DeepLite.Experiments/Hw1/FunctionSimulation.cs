using DeepLite.Autograd;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Models;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

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

    /// <summary>The settings of one preset.</summary>
    public sealed record Settings(int Points, int Epochs, int BatchSize, double LearningRate, int CurvePoints, string[] Functions);

    /// <inheritdoc/>
    public string Id => "hw1-1-1";
    /// <inheritdoc/>
    public string Title => "HW1-1-1 Simulate a function: deep vs shallow";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => Targets.SelectMany(t => new[] { $"loss-{t.Id}", $"fit-{t.Id}" }).ToList();

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => preset == Preset.Full
        ? new Settings(Points: 1000, Epochs: 1000, BatchSize: 1, LearningRate: 1e-3, CurvePoints: 400, [.. Targets.Select(t => t.Id)])
        : new Settings(Points: 512, Epochs: 1000, BatchSize: 16, LearningRate: 3e-3, CurvePoints: 200, [.. Targets.Select(t => t.Id)]);

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(ExperimentContext context)
    {
        var s = context.SettingsFor<Settings>(this);
        // Measured 2026-11-29 on 2 cores: the full preset's 12M steps at batch 1 in 130 s (beside another training
        // process), the quick preset's 384K steps at batch 16 in 8 s: about 11 and 21 µs a step with the epoch's loss.
        double cost = (double)s.Points / s.BatchSize * s.Epochs * (s.BatchSize == 1 ? 11e-6 : 21e-6);
        return [.. from target in Targets.Where(t => s.Functions.Contains(t.Id))
                   from net in Hw1Models.FunctionNets
                   select new RunUnit(RunId(target, net.Name), s.Epochs, cost, seed => Fit(context, target, net.Name, net.Widths, s, seed))];
    }

    /// <inheritdoc/>
    public ExperimentResults Assemble(ExperimentContext context, UnitResults units)
    {
        var s = context.SettingsFor<Settings>(this);
        var all = new List<Point>();
        var charts = new List<Chart>();
        foreach (var target in Targets.Where(t => s.Functions.Contains(t.Id)))
        {
            var runs = Hw1Models.FunctionNets.SelectMany(net => units[RunId(target, net.Name)]).Concat(GroundTruth(target, s)).ToList();
            all.AddRange(runs);
            charts.AddRange(Draw(context, target, runs));
        }
        var counts = Hw1Models.FunctionNets.ToDictionary(n => n.Name, n => (object)Hw1Models.Mlp<float>(new SeededRandom(0), n.Widths).ParameterCount);
        return new ExperimentResults(all, charts, new Dictionary<string, object> { ["parameterCounts"] = counts });
    }

    private static string RunId(Target target, string net) => $"{target.Id}/{net.Split(' ')[0]}";

    private static double[] Grid(double low, double high, int n) => Enumerable.Range(0, n).Select(i => low + (high - low) * i / Math.Max(1, n - 1)).ToArray();

    private static float Scale(Target t, double x) => (float)((x - t.Low) / (t.High - t.Low));

    private static IEnumerable<Point> GroundTruth(Target target, Settings s) =>
        Grid(target.Low, target.High, s.CurvePoints).Select(x => new Point($"{target.Id}/truth", "x", x, "prediction", target.F(x)));

    private static List<Point> Fit(ExperimentContext context, Target target, string name, int[] widths, Settings s, long seed)
    {
        var random = new SeededRandom(seed);
        var model = Hw1Models.Mlp<float>(random, widths);
        var optimizer = new Adam<float>(model.Parameters(), s.LearningRate);
        var xs = Grid(target.Low, target.High, s.Points);
        var inputs = Tensor.FromArray(xs.Select(x => Scale(target, x)).ToArray(), s.Points, 1);
        var targets = Tensor.FromArray(xs.Select(x => (float)target.F(x)).ToArray(), s.Points, 1);
        var xb = Tensor<float>.Zeros(s.BatchSize, 1);
        var yb = Tensor<float>.Zeros(s.BatchSize, 1);
        var order = new int[s.Points];
        var run = RunId(target, name);
        context.Progress.Message($"{run}: {model.ParameterCount} parameters");
        var points = new List<Point> { new(run, "params", 0, "parameter_count", model.ParameterCount) };
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
                using var scope = TensorPool.BeginScope();
                Training.Step(optimizer, () => Loss.MeanSquaredError(model.Forward(xb), yb), epoch, start / s.BatchSize + 1);
            }
            double loss;
            using (GradMode.Disable()) loss = Loss.MeanSquaredError(model.Forward(inputs), targets).Item();
            Training.EnsureFinite(loss, epoch, s.Points / s.BatchSize, "loss over all points");
            points.Add(new(run, "epoch", epoch, "train_loss", loss));
            context.Progress.Epoch(run, epoch, s.Epochs, loss, null);
        }
        var curve = Grid(target.Low, target.High, s.CurvePoints);
        using (GradMode.Disable())
        {
            var predicted = model.Forward(Tensor.FromArray(curve.Select(x => Scale(target, x)).ToArray(), curve.Length, 1)).ToArray();
            points.AddRange(curve.Select((x, i) => new Point(run, "x", x, "prediction", predicted[i])));
        }
        return points;
    }

    private static IEnumerable<Chart> Draw(ExperimentContext context, Target target, List<Point> points)
    {
        var models = Hw1Models.FunctionNets.Select(m => (m.Name, Run: RunId(target, m.Name))).ToList();
        var loss = models.Select(m => new Series(m.Name, points.Where(p => p.Run == m.Run && p.Metric == "train_loss").Select(p => (p.X, p.Value)).ToList()));
        yield return new($"loss-{target.Id}", Framework.Charts.Create($"Training loss: {target.Formula}", Framework.Charts.Subtitle(context, "MSE, Adam"),
            new AxisSpec("epoch"), new AxisSpec("training loss (MSE)", Log: true), loss));
        var fits = models.Select(m => new Series(m.Name, points.Where(p => p.Run == m.Run && p.Metric == "prediction").Select(p => (p.X, p.Value)).ToList()))
            .Prepend(new Series("ground truth", points.Where(p => p.Run == $"{target.Id}/truth").Select(p => (p.X, p.Value)).ToList()));
        yield return new($"fit-{target.Id}", Framework.Charts.Create($"Fitted curves: {target.Formula}", Framework.Charts.Subtitle(context, "after the last epoch"),
            new AxisSpec("x"), new AxisSpec("f(x)"), fits));
    }
}
