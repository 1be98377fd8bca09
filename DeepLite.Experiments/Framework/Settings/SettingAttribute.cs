namespace DeepLite.Experiments.Framework.Settings;

/// <summary>
/// Declares one setting of an experiment's settings record (on its positional parameter, <c>[property: Setting(...)]</c>):
/// what it means, as <c>describe</c> prints it, and the values it takes, which <c>--set</c> and <c>--config</c> are
/// checked against before any work. Every property of a settings record carries one (a test holds it).
/// </summary>
/// <param name="meaning">What the setting does, one sentence.</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class SettingAttribute(string meaning) : Attribute
{
    /// <summary>What the setting does.</summary>
    public string Meaning { get; } = meaning;
    /// <summary>The least value of a number, or of each number of a list (NaN: none).</summary>
    public double Min { get; init; } = double.NaN;
    /// <summary>The greatest value of a number, or of each number of a list (NaN: none).</summary>
    public double Max { get; init; } = double.NaN;
    /// <summary>The values a text (or each text of a list) may take, matched ignoring case and written as given here (null: any).</summary>
    public string[]? Choices { get; init; }
    /// <summary>What separates the items of a list given as text to <c>--set</c> (a model list uses ';', its layers being separated by commas).</summary>
    public char Separator { get; init; } = ',';
    /// <summary>Another key <c>--set</c> accepts for it (e.g. "lr" for "learningRate").</summary>
    public string? Alias { get; init; }
    /// <summary>Whether a list may be empty.</summary>
    public bool AllowEmpty { get; init; }

    /// <summary>The range as a message says it ("at least 1", "between 0 and 1"), or null when there is none.</summary>
    public string? RangeText =>
        double.IsNaN(Min) && double.IsNaN(Max) ? null
        : double.IsNaN(Max) ? $"at least {Text(Min)}"
        : double.IsNaN(Min) ? $"at most {Text(Max)}"
        : $"between {Text(Min)} and {Text(Max)}";

    private static string Text(double x) => x.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
