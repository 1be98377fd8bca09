using System.Collections;
using System.Reflection;
using OxyPlot;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace DeepLite.Experiments.Framework;

/// <summary>
/// Renders charts with the font the console ships (DejaVu Sans, regular and bold, embedded), never a system font: Skia
/// resolves a family name against the fonts installed, so installing one package (fonts-liberation) changed every PNG and
/// SVG while every CSV stayed the same. OxyPlot.SkiaSharp 2.2's exporters offer no font hook; their render context keeps
/// the typeface of each (family, weight) in a private cache (and disposes them with itself), so each render here makes
/// its context with that cache holding fresh typefaces of the embedded fonts, and a chart that asked for anything else
/// is an error rather than a silent system font.
/// </summary>
public static class ChartFont
{
    /// <summary>The family every chart uses (<see cref="PlotModel.DefaultFont"/>).</summary>
    public const string Family = "DejaVu Sans";

    private static readonly byte[] RegularBytes = Load("DejaVuSans.ttf"), BoldBytes = Load("DejaVuSans-Bold.ttf");

    private static byte[] Load(string name)
    {
        using var stream = typeof(ChartFont).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The console was built without its chart font {name} (an embedded resource).");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static SKTypeface Typeface(byte[] font)
    {
        using var data = SKData.CreateCopy(font);
        return SKTypeface.FromData(data) ?? throw new InvalidDataException("The embedded chart font is not a font Skia reads.");
    }

    /// <summary>Writes <paramref name="model"/> as PNG (96 dpi), as OxyPlot's PngExporter does, with the embedded font.</summary>
    public static void ExportPng(PlotModel model, Stream stream, int width, int height)
    {
        model.DefaultFont = Family;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var context = Context(RenderTarget.PixelGraphic, canvas, shaping: true, out var embedded))
        {
            ((IPlotModel)model).Update(true);
            canvas.Clear(new SKColor(model.Background.R, model.Background.G, model.Background.B, model.Background.A));
            ((IPlotModel)model).Render(context, new OxyRect(0, 0, width, height));
            EnsureOnlyEmbedded(context, embedded);
        }
        using var skStream = new SKManagedWStream(stream);
        bitmap.Encode(skStream, SKEncodedImageFormat.Png, 0);
    }

    /// <summary>Writes <paramref name="model"/> as SVG, as OxyPlot's SvgExporter does (no text shaping: SVG shapes itself), with the embedded font.</summary>
    public static void ExportSvg(PlotModel model, Stream stream, int width, int height)
    {
        model.DefaultFont = Family;
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
        using (var context = Context(RenderTarget.VectorGraphic, canvas, shaping: false, out var embedded))
        {
            ((IPlotModel)model).Update(true);
            ((IPlotModel)model).Render(context, new OxyRect(0, 0, width, height));
            EnsureOnlyEmbedded(context, embedded);
        } // the canvas writes the document's end when disposed, before the context disposes the typefaces
    }

    private static readonly FieldInfo TypefaceCache = typeof(SkiaRenderContext).GetField("typefaceCache", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException("OxyPlot.SkiaSharp's SkiaRenderContext has no typefaceCache: the chart font cannot be set (a different OxyPlot.SkiaSharp than 2.2?).");
    private static readonly Type FontDescriptor = typeof(SkiaRenderContext).GetNestedType("FontDescriptor", BindingFlags.NonPublic)
        ?? throw new MissingMemberException("OxyPlot.SkiaSharp's SkiaRenderContext has no FontDescriptor: the chart font cannot be set.");

    private static SkiaRenderContext Context(RenderTarget target, SKCanvas canvas, bool shaping, out SKTypeface[] embedded)
    {
        var context = new SkiaRenderContext { RenderTarget = target, SkCanvas = canvas, UseTextShaping = shaping };
        var cache = (IDictionary)TypefaceCache.GetValue(context)!;
        // Fresh typefaces per context: the context disposes what its cache holds.
        embedded = [Typeface(RegularBytes), Typeface(BoldBytes)];
        cache[Activator.CreateInstance(FontDescriptor, Family, FontWeights.Normal)!] = embedded[0];
        cache[Activator.CreateInstance(FontDescriptor, Family, FontWeights.Bold)!] = embedded[1];
        return context;
    }

    /// <summary>Every typeface the chart used is an embedded one: an element that asked for another family or weight is named.</summary>
    private static void EnsureOnlyEmbedded(SkiaRenderContext context, SKTypeface[] embedded)
    {
        foreach (DictionaryEntry entry in (IDictionary)TypefaceCache.GetValue(context)!)
            if (!embedded.Contains(entry.Value))
                throw new InvalidOperationException($"A chart asked for the font {entry.Key}, which the console does not ship: every chart text uses {Family}, regular or bold.");
    }
}
