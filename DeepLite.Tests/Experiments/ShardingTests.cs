using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>
/// The shard assignment (every unit once, stable, balanced), the shard a job array task gets from its variables, and
/// assembly from units stored by several processes: missing units are named, and the assembled results are the
/// bytes of a one-process run.
/// </summary>
public class ShardingTests
{
    /// <summary>Every unit of 'run all' at both presets, as the console keys them.</summary>
    private static List<(string Key, double Cost)> AllUnits(Preset preset) =>
        ExperimentRegistry.All.SelectMany(e => e.Units(new RunConfiguration { Preset = preset }).Select(u => ($"{e.Id}/{u.Id}", u.CostSeconds))).ToList();

    [Theory]
    [InlineData(Preset.Quick)]
    [InlineData(Preset.Full)]
    public void EveryUnitGoesToExactlyOneShardAndTheAssignmentIsStable(Preset preset)
    {
        var units = AllUnits(preset);
        Assert.Equal(units.Count, units.Select(u => u.Key).Distinct().Count()); // keys are unique
        var reversed = Enumerable.Reverse(units).ToList();
        for (int n = 1; n <= 64; n++)
        {
            var assignment = Shard.Assign(units, n);
            Assert.All(assignment, s => Assert.InRange(s, 0, n - 1));
            // Each unit is run by exactly one of the N shards.
            for (int i = 0; i < units.Count; i++)
                Assert.Single(Enumerable.Range(1, n), k => new Shard(k, n).Runs(assignment, i));
            // The same set in another order gets the same shards: every process computes the same plan.
            var again = Shard.Assign(reversed, n);
            for (int i = 0; i < units.Count; i++) Assert.Equal(assignment[i], again[units.Count - 1 - i]);
            // Balanced: no shard has more than the mean plus the largest unit (the greedy bound), and none is idle
            // while another holds two units.
            var load = new double[n];
            for (int i = 0; i < units.Count; i++) load[assignment[i]] += units[i].Cost;
            Assert.True(load.Max() <= units.Sum(u => u.Cost) / n + units.Max(u => u.Cost) + 1e-9, $"N={n}: max load {load.Max()}");
            if (units.Count >= n) Assert.All(load, l => Assert.True(l > 0, $"N={n}: an idle shard"));
        }
    }

    [Fact]
    public void TheAssignmentIsPinned()
    {
        // A change in the algorithm would send a requeued task to other units than its first attempt ran: pin it.
        var units = new List<(string, double)> { ("a", 5), ("b", 4), ("c", 3), ("d", 3), ("e", 1) };
        Assert.Equal([0, 1, 1, 0, 1], Shard.Assign(units, 2));
        Assert.Equal([0, 1, 2, 2, 1], Shard.Assign(units, 3));
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/8", 3, 8)]
    [InlineData("64/64", 64, 64)]
    public void KOverNParses(string text, int k, int n) => Assert.Equal(new Shard(k, n), Shard.Parse(text, out _));

    [Theory]
    [InlineData("0/8")]
    [InlineData("9/8")]
    [InlineData("3")]
    [InlineData("a/b")]
    [InlineData("1/0")]
    public void BadShardsAreRefusedWithAReason(string text)
    {
        Assert.Null(Shard.Parse(text, out var problem));
        Assert.Contains(text, problem);
    }

    [Fact]
    public void SlurmArrayVariablesGiveTheShard()
    {
        Shard? From(params (string Name, string Value)[] variables) =>
            Shard.FromEnvironment(n => variables.FirstOrDefault(v => v.Name == n).Value, out _);
        Assert.Equal(new Shard(1, 4), From(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")));
        Assert.Equal(new Shard(4, 4), From(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "4")));
        Assert.Equal(new Shard(2, 3), From(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")));
        Assert.Equal(new Shard(3, 5), From(("JOB_COMPLETION_INDEX", "2"), ("DEEPLITE_SHARD_COUNT", "5")));
        // A stepped array (0-6:2 has 4 tasks over a span of 7) cannot be numbered 1..N by subtraction: refused.
        Assert.Null(Shard.FromEnvironment(n => n switch { "SLURM_ARRAY_TASK_ID" => "2", "SLURM_ARRAY_TASK_MIN" => "0", "SLURM_ARRAY_TASK_MAX" => "6", "SLURM_ARRAY_TASK_COUNT" => "4", _ => null }, out var stepped));
        Assert.Contains("contiguous", stepped);
        Assert.Null(Shard.FromEnvironment(_ => null, out var none));
        Assert.Contains("SLURM_ARRAY_TASK_ID", none);
        Assert.Null(Shard.FromEnvironment(n => n == "JOB_COMPLETION_INDEX" ? "0" : null, out var k8s));
        Assert.Contains("DEEPLITE_SHARD_COUNT", k8s);
    }

    private static readonly FunctionSimulation.Settings Tiny = new(Points: 32, Epochs: 5, BatchSize: 4, LearningRate: 3e-3, CurvePoints: 8, ["sinc-5", "sign-sin-5"]);

    private static ExperimentContext Context(string root, MemoryMonitor? memory = null) => new() { OutputRoot = root, Data = Synthetic, Memory = memory, Configuration = new() { Seed = 5, SettingsOverride = Tiny } };

    [Fact]
    public void AssemblyNamesTheMissingUnitsAndWritesNothing()
    {
        using var folder = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        var context = Context(folder.Folder);
        var units = experiment.Units(context.Configuration);
        ExperimentRunner.RunUnits(experiment, units.Take(4), context);
        var missing = Assert.Throws<MissingUnitsException>(() => ExperimentRunner.Assemble(experiment, units, context));
        Assert.Equal(units.Skip(4).Select(u => u.Id), missing.Missing);
        Assert.Contains("2 of 6 units have no results", missing.Message);
        Assert.Contains("sign-sin-5/deep", missing.Message);
        Assert.Equal(missing.Missing, ExperimentRunner.Missing(experiment, context.Store));
        Assert.False(File.Exists(Path.Combine(context.Store.Folder(experiment), "results.csv")));
        Assert.Empty(Directory.GetFiles(context.Store.Folder(experiment), "*.png"));
    }

    [Fact]
    public void ShardsInSeparateContextsAssembleToTheBytesOfOneProcess()
    {
        using var one = new Data.Fixtures();
        using var sharded = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        ExperimentRunner.Run(experiment, Context(one.Folder));

        // Three "processes", each with its own context, run their shard's units into one folder; then one assembles.
        var units = experiment.Units(Context(sharded.Folder).Configuration);
        var assignment = Shard.Assign(units.Select(u => (u.Id, u.CostSeconds)).ToList(), 3);
        foreach (int k in new[] { 2, 3, 1 })
        {
            using var memory = new MemoryMonitor();
            var context = Context(sharded.Folder, memory);
            context.Store.ClaimFolder(experiment);
            ExperimentRunner.RunUnits(experiment, units.Where((_, i) => new Shard(k, 3).Runs(assignment, i)), context);
        }
        ExperimentRunner.Assemble(experiment, units, Context(sharded.Folder));
        Assert.Equal(File.ReadAllBytes(Path.Combine(one.Folder, experiment.Id, "results.csv")),
            File.ReadAllBytes(Path.Combine(sharded.Folder, experiment.Id, "results.csv")));
        // The assembling process trained nothing: the manifest's memory and threads are those of the shards that did
        // (from each unit's record), not missing and not the assembler's.
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(sharded.Folder, experiment.Id, "manifest.json")));
        var root = manifest.RootElement;
        Assert.True(root.GetProperty("memory").GetProperty("peakResidentBytes").GetInt64() > 0);
        Assert.Equal(DeepLite.Kernels.Parallelism.MaxThreads, root.GetProperty("threads").GetInt32());
        // The commit is the one the build stamped into the version (0.1.0+<sha>), not git's answer in some folder.
        if (Manifest.Version.Split('+') is [_, var sha]) Assert.Equal(sha, root.GetProperty("gitCommit").GetString());
        Assert.All(root.GetProperty("runs").EnumerateArray(), r =>
        {
            Assert.Equal(1, r.GetProperty("attempts").GetInt32());
            Assert.True(r.GetProperty("memory").GetProperty("residentBytes").GetInt64() > 0);
        });
        foreach (var chart in new[] { "loss-sinc-5", "fit-sinc-5", "loss-sign-sin-5", "fit-sign-sin-5" })
            AssertValidPng(Path.Combine(sharded.Folder, experiment.Id, chart + ".png"));
    }

    [Fact]
    public async Task PlanListsEachShardsUnitsNumberedAsSlurmTasks()
    {
        using var folder = new Data.Fixtures();
        var (code, output) = await ExperimentsConsole.RunAsync("plan", "hw1-2-1", "--shards", "3", "--out", folder.Folder);
        Assert.True(code == 0, output);
        var units = new TrainingTrajectories().Units(new RunConfiguration()).Select(u => $"hw1-2-1/{u.Id}").ToList();
        // Each unit is listed once, under the shard that runs it; the shards are 1/3..3/3, as submit.sh's --array=1-3.
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Equal(["Shard 1/3:", "Shard 2/3:", "Shard 3/3:"], lines.Where(l => l.StartsWith("Shard ", StringComparison.Ordinal)));
        var listed = lines.Where(l => l.StartsWith("  hw1-2-1/", StringComparison.Ordinal)).Select(l => l.Trim().Split('\t')[0]).ToList();
        Assert.Equal(units.Order(), listed.Order());
        var assignment = Shard.Assign(new TrainingTrajectories().Units(new RunConfiguration()).Select(u => ($"hw1-2-1/{u.Id}", u.CostSeconds)).ToList(), 3);
        int first = lines.IndexOf("Shard 1/3:"), second = lines.IndexOf("Shard 2/3:");
        Assert.Equal(units.Where((_, i) => assignment[i] == 0).Order(),
            lines[(first + 1)..second].Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim().Split('\t')[0]).Order());
    }

    [Fact]
    public async Task AssemblingAFolderOfAnotherPresetSaysWhatAssembleCanDo()
    {
        using var folder = new Data.Fixtures();
        new RunStore(folder.Folder, new RunConfiguration { Preset = Preset.Quick }).ClaimFolder(new TrainingTrajectories());
        var (code, output) = await ExperimentsConsole.RunAsync("assemble", "hw1-2-1", "--preset", "full", "--out", folder.Folder);
        Assert.Equal(1, code);
        Assert.Contains("preset quick", output);
        Assert.Contains("Assemble with the --preset, --seed and settings (--set, --config) those results were made with", output);
        Assert.DoesNotContain("--fresh", output); // assemble has no --fresh
    }

    [Fact]
    public void ADeclaredChartIsTheOnlyKindDrawn()
    {
        using var folder = new Data.Fixtures();
        var context = Context(folder.Folder);
        var liar = new UndeclaredChart();
        var units = liar.Units(context.Configuration);
        ExperimentRunner.RunUnits(liar, units, context);
        var e = Assert.Throws<InvalidOperationException>(() => ExperimentRunner.Assemble(liar, units, context));
        Assert.Contains("surprise", e.Message);
    }

    private sealed class UndeclaredChart : IExperiment
    {
        public string Id => "liar";
        public string Title => "draws a chart it does not declare";
        public IReadOnlyList<string> Charts => ["declared"];
        public object PresetSettings(Preset preset) => new { };
        public IReadOnlyList<RunUnit> Units(RunConfiguration configuration) => [new RunUnit("only", 1, 1, (_, _) => [new Measurement("only", "x", 1, "y", 2)])];
        public ExperimentResults Assemble(RunConfiguration configuration, UnitResults units) =>
            new(units.All, [new Chart("surprise", DeepLite.Experiments.Framework.Charts.NewModel("t", "s"))]);
        public IReadOnlyList<Claim> Claims => [];
        public IEnumerable<string> Comments(IReadOnlyList<Measurement> points) => [];
    }
}
