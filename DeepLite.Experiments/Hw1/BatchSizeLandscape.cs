using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Models;
using DeepLite.Tensors;

using static DeepLite.Experiments.Hw1.PointQueries;

namespace DeepLite.Experiments.Hw1;

/// <summary>
/// HW1-3-3's landscape: the Hessian spectrum and loss surface of hw1-3-3-interpolation's two minima, trained at a small
/// and a large batch (128 and 1024), read from its unit. Keskar et al. (2017) say large batches end in sharp minima;
/// hw1-3-3's sensitivity experiment measures it by the sharpness box, this one by curvature: the top Hessian eigenvalue
/// and the trace.
/// </summary>
public sealed class BatchSizeLandscape : IExperiment
{
    private static readonly FlatnessInterpolation Source = new();

    /// <summary>The settings of one preset: the analysis (hw1-3-3-interpolation's own settings say which models).</summary>
    public sealed record Settings([property: Setting("What is measured of each trained MLP, and how much.")] LandscapeAnalysis Analysis);

    private static readonly (string Part, string Name)[] Minima = [("small-batch", "small batch"), ("large-batch", "large batch")];

    /// <inheritdoc/>
    public string Id => "hw1-3-3-landscape";
    /// <inheritdoc/>
    public string Title => "HW1-3-3 landscape: Hessian spectra and loss surfaces of the small- and large-batch minima";
    /// <inheritdoc/>
    public IReadOnlyList<string> Charts => ["eigenvalues", "density", "slices", "surface-small-batch", "surface-large-batch"];

    /// <inheritdoc/>
    public object PresetSettings(Preset preset) => new Settings(preset == Preset.Full ? LandscapeAnalysis.Full
        // The MLPs are cheap (5 s for both at 500 images), and at the CNNs' 64 images the quick preset's verdict was not
        // conclusive (top eigenvalue 0.85x, trace 1.65x) where the full preset's holds; at 500 it holds (1.17x, 1.36x).
        : LandscapeAnalysis.Quick with { Images = 500, BatchSize = 100, TopEigenvalues = 3, LanczosIterations = 20, TraceSamples = 30, DensityIterations = 20, SurfacePoints = 9 });

    /// <inheritdoc/>
    public IReadOnlyList<RunUnit> Units(RunConfiguration configuration)
    {
        var a = configuration.SettingsFor<Settings>(this).Analysis;
        var source = configuration.SettingsFor<FlatnessInterpolation.Settings>(Source);
        var net = source.Net();
        // Per image of a Hessian-vector product pass and of a forward evaluation (benchmarks/README.md, "Unit cost estimates").
        double cost = a.Images * (a.Work.Passes * 1.3e-4 + a.Work.Evaluations * 1e-5);
        return [.. Minima.Select(minimum => new RunUnit(minimum.Part, 1, cost, (context, seed) =>
        {
            var (train, _, _) = context.Subsets(source.Dataset, source.TrainPerClass, source.TestCount);
            var mlp = net.Build<float>([train.Channels, train.Height, train.Width], train.ClassNames.Count, new SeededRandom(0));
            TrainedModels.Load(context, Source, "interpolation", mlp, minimum.Part);
            var points = a.Measure(context, minimum.Part, mlp, train, seed);
            context.Progress.Epoch(minimum.Part, 1, 1, Final(points, minimum.Part, "slice_loss"), null);
            return points;
        }))];
    }

    /// <inheritdoc/>
    public IEnumerable<(ModelDescription Model, int[] Input, int Outputs, string On)> Models(RunConfiguration configuration) => ((IExperiment)Source).Models(configuration);

    /// <inheritdoc/>
    public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units)
    {
        var a = configuration.SettingsFor<Settings>(this).Analysis;
        var s = configuration.SettingsFor<FlatnessInterpolation.Settings>(Source);
        var models = new List<(string, string, string)> { ("small-batch", $"batch {s.SmallBatch}", "small-batch"), ("large-batch", $"batch {s.LargeBatch}", "large-batch") };
        return new ExperimentResults(units.All, [.. a.Draw(configuration, "", ImageDatasets.Of(s.Dataset).Label, models, units.All,
            $"hw1-3-3's {s.Net().Name} after {s.Epochs} epochs of Adadelta at batch {s.SmallBatch} and {s.LargeBatch}")]);
    }

    /// <inheritdoc/>
    public IReadOnlyList<Claim> Claims =>
    [
        new(Id, "large-batch-sharper", "The large-batch minimum is sharper than the small-batch one: a larger top Hessian eigenvalue and a larger trace (Keskar et al.).", LargeBatchSharper),
    ];

    /// <inheritdoc/>
    public IEnumerable<string> Comments(IReadOnlyList<Measurement> p)
    {
        foreach (var (part, name) in Minima.Where(m => p.Any(x => x.Run == m.Part && x.Metric == "trace")))
        {
            var (top, trace, error) = LandscapeAnalysis.Curvature(p, part);
            yield return $"{name}: top eigenvalue {F(top, "G4")}, trace {F(trace, "G4")} ± {F(1.96 * error, "G2")} (95 %).";
        }
    }

    /// <summary>
    /// Holds when the large-batch minimum's top eigenvalue and trace are both at least 10 % above the small-batch one's;
    /// does not hold when both are at least 10 % below; else not conclusive.
    /// </summary>
    private static ClaimResult LargeBatchSharper(IReadOnlyList<Measurement> p)
    {
        var small = LandscapeAnalysis.Curvature(p, "small-batch");
        var large = LandscapeAnalysis.Curvature(p, "large-batch");
        double top = large.Top / small.Top, trace = large.Trace / small.Trace;
        var verdict = top >= 1.1 && trace >= 1.1 ? Verdict.Holds : top <= 1 / 1.1 && trace <= 1 / 1.1 ? Verdict.DoesNotHold : Verdict.NotConclusive;
        return new(verdict, $"large / small batch: top eigenvalue {F(large.Top, "G3")} / {F(small.Top, "G3")} = {F(top, "F2")}, trace {F(large.Trace, "G3")} / {F(small.Trace, "G3")} = {F(trace, "F2")}");
    }
}
