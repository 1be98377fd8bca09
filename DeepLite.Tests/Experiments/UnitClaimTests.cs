using System.Diagnostics;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>Two consoles on one folder with the same settings do not train the same unit twice.</summary>
public class UnitClaimTests
{
    private static readonly FunctionSimulation.Settings Tiny = new(Points: 16, Epochs: 2, BatchSize: 8, LearningRate: 1e-2, CurvePoints: 8, ["sinc-5"]);

    private sealed class Messages : IExperimentProgress
    {
        public List<string> Lines { get; } = [];
        public void RunStarted(string experiment, string run, int epochs, bool cached) { }
        public void Epoch(string run, int epoch, int epochs, double loss, double? accuracy) { }
        public void RunFinished(string run) { }
        public void Message(string text) => Lines.Add(text);
        public void Resumed(string run, int epochsDone) { }
    }

    [Fact]
    public void AUnitAnotherLiveConsoleTrainsIsLeftToItAndTakenOverOnceItIsGone()
    {
        using var fx = new Data.Fixtures();
        var experiment = new FunctionSimulation();
        var messages = new Messages();
        var context = new ExperimentContext { OutputRoot = fx.Folder, Data = Synthetic, Progress = messages, Configuration = new() { SettingsOverride = Tiny } };
        var units = experiment.Units(context.Configuration);
        var held = units[0];
        // Another console on this host: a live process named in the unit's claim.
        using var other = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var claim = context.Store.ClaimPath(experiment, held.Id);
            Directory.CreateDirectory(Path.GetDirectoryName(claim)!);
            File.WriteAllText(claim, $"{Environment.MachineName} {other.Id} -");

            ExperimentRunner.RunUnits(experiment, units, context);
            Assert.Null(context.Store.Stored(experiment, held.Id));
            Assert.All(units.Skip(1), u => Assert.NotNull(context.Store.Stored(experiment, u.Id)));
            Assert.Contains(messages.Lines, m => m.Contains(held.Id) && m.Contains("another console is training it"));
            var missing = Assert.Throws<MissingUnitsException>(() => ExperimentRunner.Assemble(experiment, units, context));
            Assert.Contains("being trained by another console", missing.Message);
        }
        finally { other.Kill(); other.WaitForExit(); }

        // Its holder gone (killed without releasing), the next run takes the unit over and the experiment assembles.
        ExperimentRunner.Run(experiment, context);
        Assert.NotNull(context.Store.Stored(experiment, held.Id));
        Assert.False(File.Exists(context.Store.ClaimPath(experiment, held.Id))); // released once stored
    }

    [Fact]
    public void AnotherHostsClaimHoldsWhileItIsTouchedAndLapsesAfter()
    {
        using var fx = new Data.Fixtures();
        var path = Path.Combine(fx.Folder, "runs", "unit.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "some-other-host 4242 -");
        Assert.Null(UnitClaim.TryTake(path, out var holder));
        Assert.Equal("some-other-host 4242 -", holder);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow - UnitClaim.Stale - TimeSpan.FromMinutes(1)); // no heartbeat since
        using (var claim = UnitClaim.TryTake(path, out _))
        {
            Assert.NotNull(claim);
            Assert.Equal(UnitClaim.Me, File.ReadAllText(path));
        }
        Assert.False(File.Exists(path));
    }
}
