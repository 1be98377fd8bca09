using System.Globalization;
using System.Text;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// One measured number in tidy form: which run, the x axis and its value (epoch, iteration, parameter
/// count, ...), the metric and its value. Every curve and point of every chart is a set of these.
/// </summary>
public sealed record Measurement(string Run, string XName, double X, string Metric, double Value)
{
    /// <summary>The CSV header of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "run,x_name,x,metric,value";

    /// <summary>Writes points as CSV (invariant culture, round-trip precision).</summary>
    public static string ToCsv(IEnumerable<Measurement> points)
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var p in points)
            sb.Append(Quote(p.Run)).Append(',').Append(Quote(p.XName)).Append(',')
              .Append(p.X.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(Quote(p.Metric)).Append(',')
              .Append(p.Value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads CSV written by <see cref="ToCsv"/>; throws naming the line on malformed input.</summary>
    public static List<Measurement> FromCsv(string csv, string source)
    {
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || lines[0].Trim() != CsvHeader) throw new InvalidDataException($"{source}: expected the header '{CsvHeader}'.");
        var points = new List<Measurement>();
        for (int i = 1; i < lines.Length; i++)
        {
            var f = Split(lines[i]);
            if (f.Count != 5 || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ||
                !double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw new InvalidDataException($"{source}: line {i + 1} is not 'run,x_name,x,metric,value': {lines[i]}");
            points.Add(new Measurement(f[0], f[1], x, f[3], v));
        }
        return points;
    }

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";

    private static List<string> Split(string line)
    {
        var fields = new List<string>();
        var sb = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else if (c != '\r') sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields;
    }
}
