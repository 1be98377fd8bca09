using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>
/// The landscape experiments: they analyse the models hw1-1-2 and hw1-3-3-interpolation trained (training them there
/// once when they are not stored), write their charts and claims, and give the same bytes for the same seed.
/// </summary>
public class LandscapeExperimentTests
{
    private static readonly LandscapeAnalysis Tiny = new(Images: 20, BatchSize: 10, TopEigenvalues: 2, LanczosIterations: 6, Tolerance: 1e-3,
        TraceSamples: 3, DensityIterations: 4, DensityRuns: 1, SurfacePoints: 3, SurfaceRange: 0.5);

    private static RunConfiguration Configuration() => new()
    {
        Seed = 4,
        Overrides = new Dictionary<string, object>
        {
            ["hw1-1-2"] = new CnnTraining.Settings(["mnist"], [0], Epochs: 2, BatchSize: 10, TestCount: 0, new("Adam", 1e-3, 1e-8), Standardize: true,
                ["CNN 1 hidden: conv 4 3x3 same, relu, maxpool 2, dense 10", "CNN 4 hidden: conv 4 3x3 same, relu, maxpool 2, conv 4 3x3 same, relu, dense 10",
                 "CNN 8 hidden: conv 4 3x3 same, relu, conv 4 3x3 same, relu, maxpool 2, conv 4 3x3 same, relu, dense 10"]),
            ["hw1-1-2-landscape"] = new CnnLandscape.Settings(Tiny),
            ["hw1-3-3-interpolation"] = new FlatnessInterpolation.Settings(4, 16, Epochs: 2, TrainPerClass: 0, TestCount: 0, Alphas: 3, 0.1, 0.95, 1e-8, "mnist", "mlp: dense 8, relu, dense 10"),
            ["hw1-3-3-landscape"] = new BatchSizeLandscape.Settings(Tiny),
        },
    };

    private static ExperimentContext Context(string root) => new() { OutputRoot = root, Data = Synthetic, Configuration = Configuration() };

    [Fact]
    public void TheCnnLandscapeAnalysesHw1sTrainedCnnsWithoutTrainingThemTwice()
    {
        using var fx = new Data.Fixtures();
        var landscape = new CnnLandscape();
        var context = Context(fx.Folder);
        ExperimentRunner.Run(landscape, context);
        // hw1-1-2's three units were trained by the landscape's (and stored with their models) ...
        Assert.Equal(6, context.RunsComputed);
        var cnn = new CnnTraining();
        Assert.All(cnn.Units(context.Configuration), u => Assert.True(File.Exists(context.Store.ModelPath(cnn, u.Id, "model")), u.Id));
        // ... so hw1-1-2 itself reads them back.
        var again = Context(fx.Folder);
        ExperimentRunner.Run(cnn, again);
        Assert.Equal(0, again.RunsComputed);
        AssertChartsAndCsv(landscape, context);
        Assert.Equal(["mnist-eigenvalues", "mnist-density", "mnist-slices", "mnist-surface-cnn-1-hidden", "mnist-surface-cnn-4-hidden", "mnist-surface-cnn-8-hidden"],
            landscape.ChartsFor(context.Configuration));
        var points = Results(landscape, context);
        Assert.Equal(2, points.Count(p => p.Run == "mnist/CNN 1 hidden" && p.Metric == "eigenvalue"));
        Assert.Equal(9, points.Count(p => p.Run.StartsWith("mnist/CNN 8 hidden|beta=", StringComparison.Ordinal) && p.Metric == "surface_loss"));
        Assert.Equal(3, points.Single(p => p.Run == "mnist/CNN 4 hidden" && p.Metric == "passes_trace").Value);
        // Contour lines (paths) and their levels' values along β = 0.
        var svg = File.ReadAllText(Path.Combine(context.Store.Folder(landscape), "mnist-surface-cnn-1-hidden.svg"));
        Assert.True(System.Text.RegularExpressions.Regex.Count(svg, "<path") > 5, "the surface has no contour lines");
        // MNIST's claim is judged (whatever it finds on 20 random images), with the numbers; CIFAR-10's, not run, says so.
        var claims = landscape.Claims.ToDictionary(c => c.Id);
        Assert.Contains("mnist: top eigenvalue 1 hidden", claims["deeper-sharper-mnist"].Evaluate(points).Evidence);
        var cifar = claims["deeper-sharper-cifar10"].Evaluate(points);
        Assert.Equal(Verdict.NotConclusive, cifar.Verdict);
        Assert.Contains("no analysis of cifar10's CNNs", cifar.Evidence);
    }

    [Theory]
    [InlineData(8.7, 38.4, 86.9, Verdict.Holds)]
    [InlineData(148, 79.2, 180, Verdict.NotConclusive)]
    [InlineData(148, 79.2, 120, Verdict.DoesNotHold)]
    public void DeeperSharperComparesEachDeeperCnnsTopEigenvalueWithTheOneHiddenCnns(double one, double four, double eight, Verdict expected)
    {
        // Another dataset's CNNs, the other way round, must not sway the verdict on this one.
        IEnumerable<Measurement> Model(string dataset, string name, double top) =>
        [
            new($"{dataset}/{name}", "rank", 1, "eigenvalue", top), new($"{dataset}/{name}", "rank", 2, "eigenvalue", top / 2),
            new($"{dataset}/{name}", "samples", 6, "trace", 10 * top), new($"{dataset}/{name}", "samples", 6, "trace_standard_error", top),
        ];
        var points = Model("cifar10", "CNN 1 hidden", one).Concat(Model("cifar10", "CNN 4 hidden", four)).Concat(Model("cifar10", "CNN 8 hidden", eight))
            .Concat(Model("mnist", "CNN 1 hidden", 1000)).Concat(Model("mnist", "CNN 4 hidden", 1)).Concat(Model("mnist", "CNN 8 hidden", 1)).ToList();
        var result = new CnnLandscape().Claims.Single(c => c.Id == "deeper-sharper-cifar10").Evaluate(points);
        Assert.Equal(expected, result.Verdict);
        Assert.StartsWith("cifar10: top eigenvalue 1 hidden " + one.ToString("G3", System.Globalization.CultureInfo.InvariantCulture), result.Evidence);
    }

    [Fact]
    public void TheSameSeedGivesTheSameBytes()
    {
        using var a = new Data.Fixtures();
        using var b = new Data.Fixtures();
        var landscape = new BatchSizeLandscape();
        var first = Context(a.Folder);
        var second = Context(b.Folder);
        ExperimentRunner.Run(landscape, first);
        ExperimentRunner.Run(landscape, second);
        Assert.Equal(ResultsCsv(landscape, first), ResultsCsv(landscape, second));
        AssertChartsAndCsv(landscape, first);
        var claim = landscape.Claims.Single().Evaluate(Results(landscape, first));
        Assert.Contains("large / small batch: top eigenvalue", claim.Evidence);
        // The interpolation's unit kept both minima.
        var source = new FlatnessInterpolation();
        Assert.True(File.Exists(first.Store.ModelPath(source, "interpolation", "small-batch")));
        Assert.True(File.Exists(first.Store.ModelPath(source, "interpolation", "large-batch")));
    }

    [Fact]
    public void UnitsStoredWithoutTheirModelsAreNamedWithTheFix()
    {
        using var fx = new Data.Fixtures();
        var context = Context(fx.Folder);
        var source = new FlatnessInterpolation();
        ExperimentRunner.Run(source, context);
        File.Delete(context.Store.ModelPath(source, "interpolation", "large-batch"));
        var e = Assert.Throws<InvalidOperationException>(() => ExperimentRunner.Run(new BatchSizeLandscape(), Context(fx.Folder)));
        Assert.Contains("hw1-3-3-interpolation's unit interpolation is stored without its trained model", e.Message);
        Assert.Contains("Run 'run hw1-3-3-interpolation --fresh'", e.Message);
    }
}
