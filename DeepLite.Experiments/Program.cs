using DeepLite.Kernels.Gemm;

// The experiments console. Its HW1 experiments and data verbs arrive with their issues; `info` reports
// what the library will run on here.
if (args.Length == 1 && args[0] == "info")
{
    var version = typeof(Gemm).Assembly.GetName().Version;
    Console.WriteLine($"DeepLite {version}");
    Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    Console.WriteLine($"GEMM micro-kernel: {Gemm.InstructionSet}");
    return 0;
}
Console.Error.WriteLine("usage: DeepLite.Experiments info");
return 2;
