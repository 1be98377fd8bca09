using System.CommandLine;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;

namespace DeepLite.Experiments.Cli;

/// <summary>The arguments <c>run</c> and <c>assemble</c> share: which experiments, preset, results folder and seed.</summary>
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

    /// <summary>Adds the arguments to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Ids);
        command.Options.Add(Preset);
        command.Options.Add(Output);
        command.Options.Add(Seed);
    }

    /// <summary>Whether 'all' was asked for.</summary>
    public bool All(ParseResult result) => result.GetValue(Ids)!.Contains("all");

    /// <summary>The experiments asked for, in homework order for 'all', else in the order given.</summary>
    public IReadOnlyList<IExperiment> Selected(ParseResult result) =>
        All(result) ? ExperimentRegistry.All : result.GetValue(Ids)!.Distinct().Select(id => ExperimentRegistry.Find(id)!).ToList();

    /// <summary>The parsed preset and seed: what fixes the results.</summary>
    public RunConfiguration Configuration(ParseResult result) => new() { Preset = result.GetValue(Preset), Seed = result.GetValue(Seed) };

    /// <summary>The results folder's files for the parsed folder, preset and seed.</summary>
    public RunStore Store(ParseResult result) => new(result.GetValue(Output)!, Configuration(result));
}
