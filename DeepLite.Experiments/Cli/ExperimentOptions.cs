using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Framework.Settings;
using DeepLite.Experiments.Hw1;

namespace DeepLite.Experiments.Cli;

/// <summary>
/// The arguments <c>run</c>, <c>assemble</c> and <c>plan</c> share: which experiments, preset, results folder, seed and the
/// settings changed from the preset (<c>--config</c>, then <c>--set</c>), all checked before any work (exit code 2).
/// </summary>
internal sealed class ExperimentOptions
{
    public Argument<string[]> Ids { get; } = new("ids") { Description = "Experiment ids (see 'list'), or 'all'.", Arity = ArgumentArity.OneOrMore };
    public Option<Preset> Preset { get; } = new("--preset")
    {
        Description = "quick (minutes) or full (the report's settings).", DefaultValueFactory = _ => Framework.Preset.Quick,
        // The parser's own message names the CLR type ("DeepLite.Experiments.Framework.Preset"); this one names the choices.
        CustomParser = r => Enum.TryParse<Preset>(r.Tokens.Single().Value, ignoreCase: true, out var p) && Enum.IsDefined(p) ? p
            : Fail<Preset>(r, $"--preset must be quick or full, got '{r.Tokens.Single().Value}'."),
    };
    public Option<string> Output { get; } = new("--out") { Description = "Results folder.", DefaultValueFactory = _ => "results" };
    public Option<long> Seed { get; } = new("--seed")
    {
        Description = "Master seed: fixes init, shuffling, label permutation and sampling.", DefaultValueFactory = _ => 1,
        CustomParser = r => long.TryParse(r.Tokens.Single().Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seed) ? seed
            : Fail<long>(r, $"--seed must be a whole number, got '{r.Tokens.Single().Value}'."),
    };

    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "Change a setting of the preset: key=value, repeatable (dotted keys for nested settings: optimizer.name=Adam; " +
            "lists as a,b,c or JSON; key+=value appends to a list; ID:key=value changes one experiment only). 'describe ID' lists the settings.",
        Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false,
    };
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "A JSON file of settings over the preset, one object per experiment id, e.g. {\"hw1-1-2\": {\"epochs\": 5, \"optimizer\": {\"name\": \"Adam\"}}}; --set applies after it.",
    };

    /// <summary>Records <paramref name="message"/> as the parse error (exit code 2) and returns a placeholder.</summary>
    internal static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    public ExperimentOptions(bool outputMustExist)
    {
        Ids.Validators.Add(result =>
        {
            foreach (var id in result.GetValueOrDefault<string[]>() ?? [])
                if (id.StartsWith('-'))
                    result.AddError($"Unknown option '{id}'. Run with --help for the options.");
                else if (id != "all" && ExperimentRegistry.Find(id) is null)
                    result.AddError($"Unknown experiment '{id}'. Known: all, {string.Join(", ", ExperimentRegistry.All.Select(e => e.Id))}.");
        });
        Output.Validators.Add(r => { if (OutputFolder.Problem(r.GetValueOrDefault<string>(), outputMustExist) is { } problem) r.AddError(problem); });
    }

    /// <summary>
    /// Checks the changed settings against each selected experiment (keys, types, ranges, models, and the experiment's own
    /// rules, which it checks where it lists its units); prints the problem and returns exit code 2, or null when they are
    /// good. Every verb that takes them calls it before any work. (Not a parse validator: one that reads the ids' value
    /// keeps the ids' own validator from running.)
    /// </summary>
    public int? SettingsProblem(ParseResult result)
    {
        string? problem = null;
        try
        {
            var configuration = Configuration(result);
            // The experiments run and those changed (another's units may be read), when anything was changed.
            var selected = Selected(result);
            foreach (var experiment in ExperimentRegistry.All.Where(e => configuration.Overrides is { } o && (o.ContainsKey(e.Id) || selected.Any(x => x.Id == e.Id))))
            {
                try { experiment.Units(configuration); }
                catch (ArgumentException e) { problem = $"{experiment.Id}: {e.Message}"; break; }
            }
        }
        catch (SettingsException e) { problem = e.Message; }
        if (problem is null) return null;
        Console.Error.WriteLine(problem);
        Console.Error.WriteLine("Run 'describe <id>' for the settings, or --help for usage.");
        return 2;
    }

    /// <summary>
    /// The configuration of <paramref name="experiments"/> at <paramref name="preset"/> with the config file's and then
    /// the <c>--set</c> changes applied (each experiment's in <see cref="RunConfiguration.Overrides"/>).
    /// </summary>
    /// <exception cref="SettingsException">A change that names no setting, has the wrong type or is out of range.</exception>
    public static RunConfiguration Configuration(IReadOnlyList<IExperiment> experiments, Preset preset, long seed, string[]? set, string? config)
    {
        var configuration = new RunConfiguration { Preset = preset, Seed = seed };
        var known = ExperimentRegistry.All.Select(e => e.Id).ToList();
        var assignments = new List<SettingAssignment>();
        if (config is not null) assignments.AddRange(SettingsOverrides.ReadConfig(config, known));
        foreach (var text in set ?? [])
        {
            var assignment = SettingsOverrides.ParseSet(text);
            if (assignment.Experiment is { } id && !known.Contains(id))
                throw new SettingsException($"{assignment.Origin}: unknown experiment '{id}'. Known: {string.Join(", ", known)}.");
            assignments.Add(assignment);
        }
        if (assignments.Count == 0) return configuration;
        // A change for every experiment (no id) goes to those run; one for a named experiment goes to it whether it runs or
        // not: an experiment that analyses another's units (hw1-1-2-landscape reads hw1-1-2's) sees that one's settings.
        var overrides = new Dictionary<string, object>();
        foreach (var experiment in ExperimentRegistry.All)
        {
            bool runs = experiments.Any(e => e.Id == experiment.Id);
            var mine = assignments.Where(a => a.Experiment == experiment.Id || a.Experiment is null && runs).ToList();
            if (mine.Count > 0) overrides[experiment.Id] = SettingsOverrides.Apply(experiment.Id, experiment.PresetSettings(preset), mine);
        }
        return configuration with { Overrides = overrides };
    }

    /// <summary>Adds the arguments to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Ids);
        command.Options.Add(Preset);
        command.Options.Add(Output);
        command.Options.Add(Seed);
        command.Options.Add(Set);
        command.Options.Add(Config);
    }

    /// <summary>Whether 'all' was asked for.</summary>
    public bool All(ParseResult result) => result.GetValue(Ids)!.Contains("all");

    /// <summary>The experiments asked for, in homework order for 'all', else in the order given.</summary>
    public IReadOnlyList<IExperiment> Selected(ParseResult result) =>
        All(result) ? ExperimentRegistry.All : result.GetValue(Ids)!.Distinct().Select(id => ExperimentRegistry.Find(id)!).ToList();

    /// <summary>The parsed preset, seed and changed settings: what fixes the results (checked first by <see cref="SettingsProblem"/>).</summary>
    public RunConfiguration Configuration(ParseResult result) =>
        Configuration(Selected(result), result.GetValue(Preset), result.GetValue(Seed), result.GetValue(Set), result.GetValue(Config));

    /// <summary>The results folder's files for the parsed folder, preset and seed.</summary>
    public RunStore Store(ParseResult result) => new(result.GetValue(Output)!, Configuration(result));
}
