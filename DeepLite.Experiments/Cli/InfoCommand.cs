using System.CommandLine;
using DeepLite.Experiments.Framework;
using System.Runtime.InteropServices;
using DeepLite.Kernels.Gemm;

namespace DeepLite.Experiments.Cli;

/// <summary>The <c>info</c> verb: library version, machine and the kernels chosen here.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the DeepLite version, the machine and the SIMD kernels in use.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"DeepLite {Manifest.Version}");
            Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}");
            Console.WriteLine($"GEMM micro-kernel: {GemmKernel.InstructionSet}");
            return 0;
        });
        return command;
    }
}
