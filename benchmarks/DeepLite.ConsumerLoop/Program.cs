// The MNIST MLP loop of benchmarks/DeepLite.Benchmarks' `--loop mlp` (784-128-32-10, SGD 0.01 with momentum 0.9,
// batch 128, 10 epochs over the 60,000 images, shuffled, a test evaluation per epoch) written against the package
// with the runtime's default settings, as a user's own program runs it. Prints one "epoch i seconds ..." line per
// epoch (training and the test evaluation) with the JIT's compile time and method count so far, which the benchmark's
// driver reads.
using System.Diagnostics;
using System.Globalization;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Optimizers;
using DeepLite.Training;

var mnist = DataStore.Get("mnist");
LayerDefaults.ManualSeed(1);
var model = new Sequential<float>(
    new Flatten<float>(),
    new Dense<float>(784, 128), new Relu<float>(),
    new Dense<float>(128, 32), new Relu<float>(),
    new Dense<float>(32, 10));
var optimizer = new Sgd<float>(model.Parameters(), learningRate: 0.01, momentum: 0.9);
var loader = new DataLoader(mnist.Train, batchSize: 128, shuffle: true, seed: 1);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ready jit {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F4} s {System.Runtime.JitInfo.GetCompiledMethodCount()} methods"));
for (int epoch = 0; epoch < 10; epoch++)
{
    var clock = Stopwatch.StartNew();
    var (_, trainAccuracy) = Trainer.ClassificationEpoch(model, optimizer, loader, epoch);
    var (_, testAccuracy) = Evaluation.Evaluate(model, mnist.Test, batchSize: 1000);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch + 1} {clock.Elapsed.TotalSeconds:F4} train {trainAccuracy:F4} test {testAccuracy:F4} " +
        $"jit {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F4} s {System.Runtime.JitInfo.GetCompiledMethodCount()} methods"));
}
