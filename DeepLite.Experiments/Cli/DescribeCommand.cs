using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Hw1;
using DeepLite.Tensors;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// The <c>describe</c> verb: an experiment's settings (key, type, both presets' values, meaning; with <c>--set</c> or
/// <c>--config</c>, the values this command line would run with) and the models it trains, each with its layer summary.
/// </summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var options = new ExperimentOptions(outputMustExist: false);
        var command = new Command("describe", "Print an experiment's settings (type, quick and full values, meaning) and its models with their parameters; with --set or --config, the values they give.");
        options.AddTo(command);
        command.SetAction(result =>
        {
            if (options.SettingsProblem(result) is { } usage) return usage;
            var configuration = options.Configuration(result);
            bool changed = result.GetValue(options.Set) is { Length: > 0 } || result.GetValue(options.Config) is not null;
            foreach (var experiment in options.Selected(result)) Describe(experiment, configuration, changed);
            return 0;
        });
        return command;
    }

    private static void Describe(IExperiment experiment, RunConfiguration configuration, bool changed)
    {
        var quick = experiment.PresetSettings(Preset.Quick);
        var full = experiment.PresetSettings(Preset.Full);
        var inForce = configuration.Settings(experiment);
        var preset = configuration.Preset.ToString().ToLowerInvariant();
        Console.WriteLine($"{experiment.Id}: {experiment.Title}");
        Console.WriteLine($"Settings: change one with --set key=value (lists: a,b,c or JSON; key+=value appends), several with --config file.json (docs/hw1.md, \"The console as a lab\").");
        foreach (var info in SettingsSchema.Of(quick.GetType()))
        {
            Console.WriteLine();
            var alias = info.Declared.Alias is { } a ? $" (also {(info.Key.Contains('.') ? info.Key[..(info.Key.LastIndexOf('.') + 1)] : "")}{a})" : "";
            Console.WriteLine($"  {info.Key}{alias}: {info.TypeName}{(info.Declared.RangeText is { } range ? ", " + range : "")}");
            Console.WriteLine($"      {info.Declared.Meaning}");
            if (info.IsGroup) continue;
            Value("quick: ", info.ValueIn(quick), info);
            Value("full:  ", info.ValueIn(full), info);
            if (changed && configuration.Changes(experiment).Any(c => c.Key == info.Key))
                Value($"this command line ({preset} preset changed): ", info.ValueIn(inForce), info);
        }
        var models = experiment.Models(configuration).ToList();
        if (models.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine($"Models ({(changed ? "as this command line sets them" : $"the {preset} preset's")}; their layers: docs/hw1.md, \"Models as data\"):");
        foreach (var (model, input, outputs, on) in models)
        {
            Console.WriteLine();
            Console.WriteLine($"{model}");
            Console.WriteLine($"  on {on}: input [{string.Join(", ", input)}], {outputs} output(s)");
            // Built as the runs build it (any seed: the summary shows shapes and counts, not weights).
            var built = model.Build<float>(input, outputs, new SeededRandom(0));
            foreach (var line in built.Summary(input).Split('\n')) Console.WriteLine("  " + line.TrimEnd());
        }
        Console.WriteLine();
    }

    /// <summary>A value on one line, or a list separated by ';' (models) one item a line.</summary>
    private static void Value(string label, object? value, SettingInfo info)
    {
        if (value is string[] items && info.Declared.Separator == ';')
        {
            Console.WriteLine($"      {label}");
            foreach (var item in items) Console.WriteLine($"        {item}");
        }
        else Console.WriteLine($"      {label}{info.Format(value)}");
    }
}
