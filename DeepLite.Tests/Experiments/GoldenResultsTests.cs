using System.Security.Cryptography;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using static DeepLite.Tests.Experiments.ExperimentTestKit;

namespace DeepLite.Tests.Experiments;

/// <summary>
/// Training results keep their bytes across changes of the code: the results.csv of two small runs (synthetic data,
/// seed 7) against SHA-256 hashes recorded with the code of commit 363372c (before the bounded tensor pool, the fused
/// Conv2D + ReLU and the NaN-propagating ReLU) and checked equal after them. A change that moves a training number
/// must change these hashes on purpose, saying why. The CNN run's bits depend on the GEMM kernel (AVX-512 and
/// AVX2 accumulate in other orders; both recorded, the latter with DOTNET_EnableAVX512=0); the function fits' do not.
/// </summary>
public class GoldenResultsTests
{
    private static string Hash(IExperiment experiment, object settings)
    {
        using var folder = new Data.Fixtures();
        var context = new ExperimentContext { OutputRoot = folder.Folder, Data = Synthetic, Configuration = new() { Seed = 7, SettingsOverride = settings } };
        ExperimentRunner.Run(experiment, context);
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder.Folder, experiment.Id, "results.csv"))));
    }

    [Fact]
    public void TheFunctionFitsKeepTheirBytes() => Assert.Equal("978a321847d1c17e187f355369016600c166ba710cdb47e2fe2d8dcd03a557b6",
        Hash(new FunctionSimulation(), new FunctionSimulation.Settings(Points: 64, Epochs: 20, BatchSize: 4, LearningRate: 3e-3, CurvePoints: 16, ["sinc-5", "sign-sin-5"])));

    [SkippableFact]
    [Trait("Category", "Slow")]
    public void TheCnnRunsKeepTheirBytes()
    {
        var expected = DeepLite.Kernels.Gemm.GemmKernel.InstructionSet switch
        {
            "AVX-512" => "d70f8e385125d8c1e96c942fc4a6d1b41d1202e3b53a7c526a4b22c8d08c88d7",
            "AVX2+FMA" => "985b8f3f6c7aec3dbe878e43b75dd21dfb6351d3035d79d238016ab9a8a9c24f",
            _ => null,
        };
        Skip.If(expected is null, $"No hashes recorded for the {DeepLite.Kernels.Gemm.GemmKernel.InstructionSet} GEMM kernel (the function fits' test still holds).");
        var actual = Hash(new CnnTraining(), new CnnTraining.Settings(["mnist", "cifar10"], TrainPerClass: [0, 0], Epochs: 2, BatchSize: 8, TestCount: 0, new("Adadelta", 0.1, 1e-8, Rho: 0.95), Standardize: false));
        Assert.Equal(expected, actual);
    }
}
