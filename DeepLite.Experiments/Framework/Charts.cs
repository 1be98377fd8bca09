using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace DeepLite.Experiments.Framework;

/// <summary>One line or scatter of a chart.</summary>
/// <param name="Dashed">A dashed line (a second axis's series are dashed anyway).</param>
/// <param name="Color">The palette index, to pair series in one color (a model's training and test curves); by default the series' position.</param>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, bool Scatter = false, bool SecondAxis = false, IReadOnlyList<string>? Labels = null,
    bool Dashed = false, int? Color = null);

/// <summary>An axis: its title (with unit), whether it is logarithmic, and the values to label when they are few and known (the batch sizes used).</summary>
public sealed record AxisSpec(string Title, bool Log = false, IReadOnlyList<double>? Ticks = null);

/// <summary>A logarithmic axis labelled at given values only (the batch sizes of a sweep, not 50/70/100/200).</summary>
internal sealed class FixedTickLogarithmicAxis(IReadOnlyList<double> ticks) : LogarithmicAxis
{
    /// <inheritdoc/>
    public override void GetTickValues(out IList<double> majorLabelValues, out IList<double> majorTickValues, out IList<double> minorTickValues)
    {
        majorLabelValues = majorTickValues = [.. ticks];
        minorTickValues = [];
    }
}

/// <summary>Builds OxyPlot charts in one house style and writes them as PNG and SVG.</summary>
public static class Charts
{
    private static readonly OxyColor[] Palette =
    [
        OxyColor.FromRgb(0x1f, 0x77, 0xb4), OxyColor.FromRgb(0xff, 0x7f, 0x0e), OxyColor.FromRgb(0x2c, 0xa0, 0x2c),
        OxyColor.FromRgb(0xd6, 0x27, 0x28), OxyColor.FromRgb(0x94, 0x67, 0xbd), OxyColor.FromRgb(0x8c, 0x56, 0x4b),
        OxyColor.FromRgb(0xe3, 0x77, 0xc2), OxyColor.FromRgb(0x7f, 0x7f, 0x7f), OxyColor.FromRgb(0xbc, 0xbd, 0x22),
        OxyColor.FromRgb(0x17, 0xbe, 0xcf),
    ];

    /// <summary>A chart with one x axis, one y axis and optionally a second y axis on the right.</summary>
    public static PlotModel Create(string title, string subtitle, AxisSpec x, AxisSpec y, IEnumerable<Series> series, AxisSpec? y2 = null)
    {
        var model = NewModel(title, subtitle);
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Outside, LegendBackground = OxyColor.FromAColor(220, OxyColors.White) });
        model.Axes.Add(MakeAxis(x, AxisPosition.Bottom, "x"));
        model.Axes.Add(MakeAxis(y, AxisPosition.Left, "y"));
        if (y2 is not null) model.Axes.Add(MakeAxis(y2, AxisPosition.Right, "y2"));
        int i = 0, nonFinite = 0;
        foreach (var s in series)
        {
            var color = Palette[(s.Color ?? i) % Palette.Length];
            i++;
            nonFinite += s.Points.Count(p => !double.IsFinite(p.X) || !double.IsFinite(p.Y));
            var points = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (!x.Log || p.X > 0) && (!(s.SecondAxis ? y2 ?? y : y).Log || p.Y > 0)).ToList();
            if (s.Scatter)
            {
                var scatter = new ScatterSeries { Title = s.Name, MarkerType = MarkerType.Circle, MarkerSize = 3.5, MarkerFill = color, YAxisKey = s.SecondAxis ? "y2" : "y" };
                scatter.Points.AddRange(points.Select(p => new ScatterPoint(p.X, p.Y)));
                model.Series.Add(scatter);
                // One label per series, at its last point, "first -> last": a label on every point (or on the first
                // and the last, when a run moves little) overprinted the others.
                int last = s.Labels is null ? -1 : Math.Min(points.Count, s.Labels.Count) - 1;
                if (last >= 0)
                        model.Annotations.Add(new TextAnnotation
                        {
                            Text = last > 0 && s.Labels![0] != s.Labels[last] ? $"{s.Labels[0]} → {s.Labels[last]}" : s.Labels![last],
                            TextPosition = new DataPoint(points[last].X, points[last].Y), FontSize = 8, TextColor = color,
                            ClipByXAxis = false, ClipByYAxis = false, // a run at the edge of the plot keeps its whole label
                            // A light backdrop: a label over another run's markers stays readable.
                            Stroke = OxyColors.Transparent, Background = OxyColor.FromAColor(190, OxyColors.White), Padding = new OxyThickness(1, 0, 1, 0), YAxisKey = scatter.YAxisKey,
                            TextVerticalAlignment = VerticalAlignment.Bottom, Offset = new ScreenVector(0, -3),
                        });
            }
            else
            {
                var line = new LineSeries { Title = s.Name, Color = color, StrokeThickness = 1.6, YAxisKey = s.SecondAxis ? "y2" : "y", LineStyle = s.SecondAxis || s.Dashed ? LineStyle.Dash : LineStyle.Solid };
                line.Points.AddRange(points.Select(p => new DataPoint(p.X, p.Y)));
                model.Series.Add(line);
            }
        }
        FlagNonFinite(model, nonFinite);
        if (model.Annotations.Count > 0)
            foreach (var axis in model.Axes) { axis.MinimumPadding = 0.08; axis.MaximumPadding = 0.08; } // room for labels of points at the edges
        else if (model.Series.OfType<ScatterSeries>().Any())
            foreach (var axis in model.Axes) { axis.MinimumPadding = 0.03; axis.MaximumPadding = 0.03; } // markers at the extremes drawn whole, not halved by the frame
        return model;
    }

    /// <summary>
    /// Says on the chart that points were left out because they are NaN or infinite: a chart must not look
    /// normal over a run that produced non-finite numbers (the CSV keeps them as NaN).
    /// </summary>
    private static void FlagNonFinite(PlotModel model, int count)
    {
        if (count == 0) return;
        model.Subtitle += $" · WARNING: {count} non-finite value(s) (NaN/∞) in the data, not drawn";
        model.SubtitleColor = OxyColor.FromRgb(0xb0, 0x00, 0x20);
    }

    /// <summary>
    /// Several panels stacked vertically in one figure, sharing the x axis: each panel has its own y axis
    /// and series (e.g. gradient norm above, loss below).
    /// </summary>
    public static PlotModel CreateStacked(string title, string subtitle, AxisSpec x, IReadOnlyList<(AxisSpec Y, IReadOnlyList<Series> Series)> panels)
    {
        var model = NewModel(title, subtitle);
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Outside });
        model.Axes.Add(MakeAxis(x, AxisPosition.Bottom, "x"));
        int i = 0, nonFinite = 0;
        for (int p = 0; p < panels.Count; p++)
        {
            var (spec, series) = panels[p];
            var axis = MakeAxis(spec, AxisPosition.Left, $"y{p}");
            // Panel p (from the top) takes its share of the height, with a gap that separates the panels; its own axis
            // line, and ticks at least 40 px apart (a panel is half as tall as a chart: 80 px left two labels).
            double share = 1.0 / panels.Count;
            axis.StartPosition = 1 - (p + 1) * share + (p == panels.Count - 1 ? 0 : 0.07);
            axis.AxislineStyle = LineStyle.Solid;
            axis.IntervalLength = 40;
            axis.EndPosition = 1 - p * share;
            model.Axes.Add(axis);
            foreach (var s in series)
            {
                var line = new LineSeries { Title = s.Name, Color = Palette[i++ % Palette.Length], StrokeThickness = 1.2, YAxisKey = $"y{p}" };
                nonFinite += s.Points.Count(q => !double.IsFinite(q.X) || !double.IsFinite(q.Y));
                line.Points.AddRange(s.Points.Where(q => double.IsFinite(q.X) && double.IsFinite(q.Y) && (!spec.Log || q.Y > 0)).Select(q => new DataPoint(q.X, q.Y)));
                model.Series.Add(line);
            }
        }
        FlagNonFinite(model, nonFinite);
        return model;
    }

    /// <summary>
    /// A contour chart of <paramref name="z"/>[i, j] at (<paramref name="xs"/>[i], <paramref name="ys"/>[j]) (a loss surface),
    /// with <paramref name="levels"/> labelled contour lines spaced geometrically between the smallest and the largest
    /// value (a loss surface spans decades; evenly spaced levels all crowd the rim) and a marker at the origin, where the
    /// trained parameters are. Non-finite values are left out and flagged, as in every chart.
    /// </summary>
    public static PlotModel CreateContour(string title, string subtitle, AxisSpec x, AxisSpec y, IReadOnlyList<double> xs, IReadOnlyList<double> ys, double[,] z, int levels = 12)
    {
        var model = NewModel(title, subtitle);
        model.Axes.Add(MakeAxis(x, AxisPosition.Bottom, "x"));
        model.Axes.Add(MakeAxis(y, AxisPosition.Left, "y"));
        var finite = z.Cast<double>().Where(double.IsFinite).ToList();
        FlagNonFinite(model, z.Length - finite.Count);
        if (finite.Count == 0) return model;
        double low = finite.Min(), high = finite.Max();
        double[] contours = low > 0 && high / low > 10
            ? [.. Enumerable.Range(0, levels).Select(k => low * Math.Pow(high / low, (k + 0.5) / levels))]
            : [.. Enumerable.Range(0, levels).Select(k => low + (high - low) * (k + 0.5) / levels)];
        var data = new double[xs.Count, ys.Count];
        for (int i = 0; i < xs.Count; i++)
            for (int j = 0; j < ys.Count; j++) data[i, j] = double.IsFinite(z[i, j]) ? z[i, j] : high; // a hole drawn as the rim, flagged above
        var series = new ContourSeries
        {
            ColumnCoordinates = [.. xs], RowCoordinates = [.. ys], Data = data, ContourLevels = contours,
            ContourColors = [.. Enumerable.Range(0, levels).Select(k => OxyColor.Interpolate(OxyColor.FromRgb(0x1f, 0x4e, 0xb4), OxyColor.FromRgb(0xd6, 0x27, 0x28), k / Math.Max(1.0, levels - 1)))],
            LabelFormatString = "0.###", FontSize = 8, LabelSpacing = 90, LabelBackground = OxyColor.FromAColor(200, OxyColors.White), StrokeThickness = 1.2,
        };
        model.Series.Add(series);
        // Each level's value where it crosses the β = 0 row right of the centre (OxyPlot's own contour labels need longer
        // joined lines than a coarse grid gives).
        int middle = ys.Count / 2;
        foreach (var level in contours)
            for (int i = xs.Count / 2; i + 1 < xs.Count; i++)
            {
                double a = data[i, middle], b = data[i + 1, middle];
                if ((a - level) * (b - level) > 0 || a == b) continue;
                double at = xs[i] + (xs[i + 1] - xs[i]) * (level - a) / (b - a);
                model.Annotations.Add(new TextAnnotation
                {
                    Text = Label(level, false), TextPosition = new DataPoint(at, ys[middle]), FontSize = 8, Stroke = OxyColors.Transparent,
                    Background = OxyColor.FromAColor(200, OxyColors.White), Padding = new OxyThickness(1, 0, 1, 0), TextVerticalAlignment = VerticalAlignment.Middle,
                });
                break;
            }
        var origin = new ScatterSeries { MarkerType = MarkerType.Cross, MarkerSize = 6, MarkerStroke = OxyColors.Black, MarkerStrokeThickness = 1.5 };
        origin.Points.Add(new ScatterPoint(0, 0));
        model.Series.Add(origin);
        return model;
    }

    /// <summary>
    /// The house style's model. Titles are centred in the whole figure, not over the plot area (a right axis and
    /// an outside legend narrow the plot, and a long subtitle ran off its left edge), and a long subtitle is
    /// wrapped at its separators.
    /// </summary>
    public static PlotModel NewModel(string title, string subtitle) => new()
    {
        Title = title, Subtitle = Wrap(subtitle, 120), Background = OxyColors.White, TitleFontSize = 15, SubtitleFontSize = 11,
        TitleHorizontalAlignment = TitleHorizontalAlignment.CenteredWithinView,
    };

    /// <summary>Breaks <paramref name="text"/> into lines of at most about <paramref name="width"/> characters, at " · " or "; " where it can, else at spaces.</summary>
    internal static string Wrap(string text, int width)
    {
        if (text.Length <= width) return text;
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var part in System.Text.RegularExpressions.Regex.Split(text, "(?<= · )|(?<=; )|(?<= )"))
        {
            if (line.Length > 0 && line.Length + part.Length > width)
            {
                lines.Add(line.ToString().TrimEnd());
                line.Clear();
            }
            line.Append(part);
        }
        if (line.Length > 0) lines.Add(line.ToString().TrimEnd());
        return string.Join("\n", lines);
    }

    private static string Label(double v, bool powersOfTen)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        if (v == 0) return "0";
        if (powersOfTen || Math.Abs(v) >= 1e7 || Math.Abs(v) < 1e-4) return v.ToString("0.##e+0", c);
        return Math.Abs(v) >= 1e4 ? v.ToString("#,0.##", c) : v.ToString("0.####", c);
    }

    private static Axis MakeAxis(AxisSpec spec, AxisPosition position, string key)
    {
        Axis axis = spec.Log ? (spec.Ticks is { } ticks ? new FixedTickLogarithmicAxis(ticks) : new LogarithmicAxis()) : new LinearAxis();
        axis.Position = position; axis.Title = spec.Title; axis.Key = key;
        // One format per axis, culture-invariant: powers of ten as 1e-5 throughout when the axis reaches below 0.001 (not
        // "0.0001" beside "1e-05"), thousands separated ("200,000", not "200000").
        axis.LabelFormatter = v => Label(v, axis.ActualMinimum < 1e-3 && axis.ActualMinimum > 0 && spec.Log);
        // Ticks at least 80 px apart: log axes over less than a decade labelled every intermediate value on top of each other.
        axis.IntervalLength = 80;
        if (spec.Title.StartsWith("epoch", StringComparison.Ordinal) || spec.Title == "rank")
        {
            // Epochs (and eigenvalue ranks) are whole numbers: no 0.5 ticks on short runs.
            axis.MinimumMajorStep = 1;
            axis.MinimumMinorStep = 1;
            axis.StringFormat = "0";
        }
        axis.MajorGridlineStyle = LineStyle.Solid; axis.MajorGridlineColor = OxyColor.FromAColor(40, OxyColors.Black);
        // Solid, fainter minor lines, not dotted: the SVG exporter draws a dotted line as one rectangle per dot,
        // which made each log-axis chart's SVG (and the report that inlines them) megabytes.
        axis.MinorGridlineStyle = spec.Log ? LineStyle.Solid : LineStyle.None;
        axis.MinorGridlineColor = OxyColor.FromAColor(18, OxyColors.Black);
        return axis;
    }

    /// <summary>
    /// Writes <c>name.png</c> and <c>name.svg</c> into <paramref name="folder"/>, each atomically; the SVG with a viewBox and
    /// ids named after the folder and the chart (<see cref="SvgDocument"/>), so that it scales and pastes beside others.
    /// </summary>
    public static void Save(PlotModel model, string folder, string name, int width = 960, int height = 560)
    {
        // SkiaSharp writes through a callback from native code, and an exception there (a full disk) cannot unwind
        // through the native frames: the process aborted (exit 134). It renders into memory; managed code writes the file.
        var png = new MemoryStream();
        ChartFont.ExportPng(model, png, width, height);
        var svg = new MemoryStream();
        ChartFont.ExportSvg(model, svg, width, height);
        AtomicFile.Write(Path.Combine(folder, name + ".png"), s => s.Write(png.GetBuffer(), 0, (int)png.Length));
        var text = SvgDocument.Normalize(System.Text.Encoding.UTF8.GetString(svg.GetBuffer(), 0, (int)svg.Length), $"{Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar))}-{name}");
        AtomicFile.WriteAllText(Path.Combine(folder, name + ".svg"), text);
    }

    /// <summary>The subtitle every chart carries: preset and seed (the quick preset says it is one).</summary>
    public static string Subtitle(RunConfiguration configuration, string detail) =>
        (configuration.Preset == Preset.Quick ? "QUICK preset (fewer epochs/samples than the report) · " : "full preset · ") + $"seed {configuration.Seed} · {detail}";
}
