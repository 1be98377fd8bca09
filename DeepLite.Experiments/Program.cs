using System.CommandLine;
using DeepLite.Experiments.Cli;

// The experiments console. Exit codes: 0 success, 1 a failed run, 2 bad usage.
var root = new RootCommand("DeepLite experiments: reproduce the HW1 charts, fetch and inspect datasets.");
root.Subcommands.Add(ListCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(AssembleCommand.Create());
root.Subcommands.Add(PlanCommand.Create());
root.Subcommands.Add(DescribeCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(DataCommands.Create());

// The methods the last run of this verb compiled are compiled again in the background from here on (JitProfile). Only a
// known verb names a profile: the first argument is the user's text.
if (args.Length > 0 && root.Subcommands.Any(c => c.Name == args[0])) JitProfile.Start(args[0]);

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
catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
    or InvalidDataException or ArithmeticException or FormatException or System.Text.Json.JsonException or NotSupportedException
    or InsufficientMemoryException)
{
    // Expected failures (a file, a dataset, a diverging run, a memory limit): the message names the path, the place or the limit.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // Anything else is a bug: still exit code 1 (never an abort with 134), with the stack for the report.
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(e);
    return 1;
}
