using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepLite.Tests.Docs;

/// <summary>
/// Compiles C# as a user's new console project would (<c>dotnet new console</c>'s implicit usings, a reference to the
/// package): the docs' blocks (<see cref="DocSnippetTests"/>) and a 0.1.0 consumer program (<c>ObsoleteFormsTests</c>).
/// </summary>
public static class PastedProgram
{
    /// <summary>The global usings of <c>dotnet new console</c> (ImplicitUsings enabled).</summary>
    public static SyntaxTree ImplicitUsings(CSharpParseOptions parse) => CSharpSyntaxTree.ParseText(
        string.Concat(new[] { "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks" }
            .Select(n => $"global using global::{n};\n")), parse, path: "ImplicitUsings.cs");

    /// <summary>The framework's assemblies and the managed assemblies beside the tests (DeepLite, ONNX Runtime's API, ...).</summary>
    public static readonly Lazy<List<MetadataReference>> References = new(() =>
    {
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var beside = Directory.GetFiles(AppContext.BaseDirectory, "*.dll");
        var references = new List<MetadataReference>();
        foreach (var path in framework.Concat(beside).DistinctBy(Path.GetFileName))
        {
            try { AssemblyName.GetAssemblyName(path); }
            catch (BadImageFormatException) { continue; } // a native library
            references.Add(MetadataReference.CreateFromFile(path));
        }
        return references;
    });

    /// <summary>The diagnostics (warnings and errors) of <paramref name="source"/> compiled as a console program.</summary>
    public static IReadOnlyList<Diagnostic> Compile(string source, string path)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("Consumer", [ImplicitUsings(parse), CSharpSyntaxTree.ParseText(source, parse, path: path)], References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
    }
}
