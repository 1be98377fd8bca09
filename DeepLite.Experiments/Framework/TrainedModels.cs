using DeepLite.Layers;
using DeepLite.Serialization;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// The models an experiment's units train, kept beside their points (<c>runs/&lt;unit&gt;.&lt;part&gt;.safetensors</c>) so
/// that other experiments analyse them instead of training them again: the landscape experiments read hw1-1-2's CNNs and
/// hw1-3-3's two MLPs. A model file carries its unit's key (seed and settings hash), so a model of other settings is
/// never read; the unit that trains it saves it before its points are stored, so stored points imply a stored model.
/// </summary>
public static class TrainedModels
{
    private const string KeyField = "deeplite.run_key";

    /// <summary>Saves <paramref name="model"/> as part <paramref name="part"/> of unit <paramref name="runId"/> of <paramref name="experiment"/>.</summary>
    public static void Save(ExperimentContext context, IExperiment experiment, string runId, Module<float> model, string part = "model") =>
        model.SaveWeights(context.Store.ModelPath(experiment, runId, part), new Dictionary<string, string> { [KeyField] = context.Configuration.RunKey(experiment, runId) });

    /// <summary>
    /// The model part <paramref name="part"/> of <paramref name="source"/>'s unit <paramref name="unitId"/> at this context's
    /// settings, loaded into <paramref name="model"/> (built as the unit builds it): the unit is run first when it has no
    /// results (training it here, once, for both experiments), or waited for while another console trains it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The unit's results were stored without the model (by an older version), or with another key.</exception>
    public static void Load(ExperimentContext context, IExperiment source, string unitId, Module<float> model, string part = "model")
    {
        context.Store.ClaimFolder(source);
        var unit = source.Units(context.Configuration).FirstOrDefault(u => u.Id == unitId)
            ?? throw new InvalidOperationException($"{source.Id} has no unit '{unitId}' at these settings.");
        while (context.RunOnce(source, unit) is null)
        {
            // Another console is training it: its claim says so, and its results follow.
            context.Progress.Message($"{source.Id} {unitId}: waiting for the console training it");
            Task.Delay(TimeSpan.FromSeconds(5), context.Cancellation).GetAwaiter().GetResult();
        }
        var path = context.Store.ModelPath(source, unitId, part);
        if (!File.Exists(path))
            throw new InvalidOperationException($"{source.Id}'s unit {unitId} is stored without its trained model ({path}): it was made by a version that did not keep models. " +
                $"Run 'run {source.Id} --fresh' with the same --out, --preset, --seed and settings to train it again (or use another --out).");
        var key = context.Configuration.RunKey(source, unitId);
        var saved = SafeTensorsFile.Open(path).Metadata.GetValueOrDefault(KeyField);
        if (saved != key)
            throw new InvalidOperationException($"{path} was saved with {saved ?? "no key"}; this run needs {key}. Run 'run {source.Id} --fresh' to train it again.");
        model.LoadWeights(path);
    }
}
