using DeepLite.Experiments.Framework;

namespace DeepLite.Experiments.Hw1;

/// <summary>Every experiment the console knows, in homework order.</summary>
public static class ExperimentRegistry
{
    /// <summary>All experiments.</summary>
    public static IReadOnlyList<IExperiment> All { get; } = [new FunctionSimulation(), new CnnTraining(), new CnnLandscape(), new TrainingTrajectories(), new GradientNormTraining(), new MinimalRatio(),
        new RandomLabels(), new ParametersVsGeneralization(), new FlatnessInterpolation(), new FlatnessSensitivity(), new BatchSizeLandscape()];

    /// <summary>Every experiment's claims, in the order of the report.</summary>
    public static IReadOnlyList<Claim> Claims { get; } = [.. All.SelectMany(e => e.Claims)];

    /// <summary>The experiment with this id, or null.</summary>
    public static IExperiment? Find(string id) => All.FirstOrDefault(e => e.Id == id);
}
