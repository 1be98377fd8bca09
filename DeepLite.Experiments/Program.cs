using System.CommandLine;
using DeepLite.Experiments.Cli;

// The experiments console. Exit codes: 0 success, 1 a failed run, 2 bad usage.
var root = new RootCommand("DeepLite experiments: reproduce the HW1 charts, fetch and inspect datasets.");
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(DataCommands.Create());

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine(error.Message);
    Console.Error.WriteLine("Run with --help for usage.");
    return 2;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
