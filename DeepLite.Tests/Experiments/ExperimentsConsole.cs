using System.Diagnostics;

namespace DeepLite.Tests.Experiments;

/// <summary>Runs the experiments console as a user does (its DLL beside the tests') and returns its exit code and output.</summary>
public static class ExperimentsConsole
{
    public static Task<(int Code, string Output)> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunAsync(TimeSpan, string[])"/>, with <paramref name="environment"/> set for the console.</summary>
    public static async Task<(int Code, string Output)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DeepLite.Experiments.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cancel.Token); }
        catch (OperationCanceledException)
        {
            // A hung console must not outlive the test (nor hold its output folder's lock for the next one).
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
            throw new TimeoutException($"The console ({string.Join(' ', args)}) ran longer than {timeout} and was killed. Its output:\n{await stdout}{await stderr}");
        }
        return (p.ExitCode, await stdout + await stderr);
    }

    public static Task<(int Code, string Output)> RunAsync(params string[] args) => RunAsync(TimeSpan.FromMinutes(2), args);
}
