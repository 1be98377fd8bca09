using System.Text.RegularExpressions;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Makes a chart's SVG safe to show anywhere, pasted beside others: a <c>viewBox</c> on the root, so that a page that
/// shrinks the box (<c>max-width: 100%</c>) scales the drawing instead of cutting it; and ids of its own. OxyPlot numbers
/// its clip paths per process (<c>cl_2f</c>), so two charts drawn by different commands share ids, and pasted into one
/// page each points at the other's clip. The ids become <c>{prefix}-clip{n}</c>, n in order of first appearance: the
/// same bytes whichever process drew the chart, and a second pass changes nothing.
/// </summary>
public static partial class SvgDocument
{
    /// <summary><paramref name="svg"/> with a viewBox (when it has none) and its ids renamed under <paramref name="prefix"/>.</summary>
    public static string Normalize(string svg, string prefix)
    {
        var root = RootElement().Match(svg);
        if (root.Success && !root.Value.Contains("viewBox", StringComparison.Ordinal)
            && Attribute(root.Value, "width") is { } width && Attribute(root.Value, "height") is { } height)
            svg = svg[..(root.Index + root.Length - 1)] + $" viewBox=\"0 0 {width} {height}\">" + svg[(root.Index + root.Length)..];
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in IdAttribute().Matches(svg))
            renamed.TryAdd(m.Groups[1].Value, $"{prefix}-clip{renamed.Count + 1}");
        if (renamed.Count == 0) return svg;
        svg = IdAttribute().Replace(svg, m => $"id=\"{renamed[m.Groups[1].Value]}\"");
        return UrlReference().Replace(svg, m => renamed.TryGetValue(m.Groups[1].Value, out var id) ? $"url(#{id})" : m.Value);
    }

    private static string? Attribute(string element, string name) =>
        Regex.Match(element, $@"\s{name}=""([^""]*)""") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"<svg\b[^>]*>")]
    private static partial Regex RootElement();

    [GeneratedRegex(@"\bid=""([^""]+)""")]
    private static partial Regex IdAttribute();

    [GeneratedRegex(@"url\(#([^)]+)\)")]
    private static partial Regex UrlReference();
}
