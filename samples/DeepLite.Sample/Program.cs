// A consumer of the DeepLite NuGet package: train a small CNN (BatchNorm, Dropout, a cosine learning-rate schedule,
// gradient clipping) on MNIST (from the data store: its cache, DEEPLITE_DATA_MIRROR, or downloaded), print its summary, evaluate
// it, save it as safetensors, reload it into a fresh model and check that the reloaded model scores the same, then
// export it to ONNX and check that ONNX Runtime computes the same logits. Exit code 0 when all of that holds, 1 otherwise.
using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Serialization.Onnx;
using DeepLite.Tensors;
using DeepLite.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// Multicore JIT: this run records the methods it compiles and the next run compiles them in the background from
// its start, so the first training step does not wait for them (the project turns tiered JIT off for training).
Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "deeplite-sample-jit"));
System.Runtime.ProfileOptimization.SetProfileRoot(Path.Combine(Path.GetTempPath(), "deeplite-sample-jit"));
System.Runtime.ProfileOptimization.StartProfile("sample.jitprofile");

// snippet-begin: package-sample
var mnist = DataStore.Get("mnist");   // the cache, DEEPLITE_DATA_MIRROR, a system package, else downloaded (SHA-256 checked)
var (train, test) = (mnist.Train.SamplePerClass(500, seed: 1), mnist.Test.Take(2000));
Console.WriteLine($"data: {train.Name} ({train.Count} training, {test.Count} test images)");

// A small CNN as a PyTorch user writes one: layers without a generator draw from LayerDefaults (torch.manual_seed).
Sequential<float> Cnn() => new(
    new Conv2D<float>(1, 8, kernelSize: 3, padding: Padding.Same), new BatchNorm<float>(8), new Relu<float>(), new MaxPool2D<float>(2),
    new Conv2D<float>(8, 16, kernelSize: 3, padding: Padding.Same), new BatchNorm<float>(16), new Relu<float>(), new MaxPool2D<float>(2),
    new Flatten<float>(), new Dropout<float>(0.25),
    new Dense<float>(16 * 7 * 7, 10));

LayerDefaults.ManualSeed(7);
var model = Cnn();
Console.WriteLine(model.Summary(1, 28, 28));
const int epochs = 3;
var optimizer = new Adam<float>(model.Parameters(), learningRate: 3e-3);
var schedule = new CosineAnnealingLR<float>(optimizer, epochs);   // torch.optim.lr_scheduler.CosineAnnealingLR
var loader = new DataLoader(train, batchSize: 64, shuffle: true, seed: 7);
for (int epoch = 0; epoch < epochs; epoch++)
{
    model.Train();                                                 // BatchNorm uses batch statistics, Dropout drops
    foreach (var batch in loader.Epoch(epoch))
        // zero_grad(); loss = f(); loss.backward(); clip_grad_norm_(params, 5.0); step(): its temporaries go back to the pool
        Trainer.Step(optimizer, () => Loss.SoftmaxCrossEntropy(model.Forward(batch.Images), batch.Labels), maxGradientNorm: 5.0);
    schedule.Step();
    var (testLoss, testAccuracy) = Evaluation.Evaluate(model, test); // in evaluation mode: running statistics, no dropout
    Console.WriteLine($"epoch {epoch + 1}: learning rate {optimizer.LearningRate:G3}, test loss {testLoss:F4}, accuracy {testAccuracy:P2}");
}

var path = Path.Combine(Path.GetTempPath(), "deeplite-sample.safetensors");
model.SaveWeights(path);                 // parameters and BatchNorm's running statistics, under PyTorch's names
LayerDefaults.ManualSeed(12345);
var reloaded = Cnn();                    // different initial weights, replaced by the file's
reloaded.LoadWeights(path);
var (_, accuracy) = Evaluation.Evaluate(model, test);
var (_, reloadedAccuracy) = Evaluation.Evaluate(reloaded, test);
Console.WriteLine($"accuracy {accuracy:P2}, after save and reload {reloadedAccuracy:P2}");

// Deployed as ONNX and run once by ONNX Runtime (Microsoft.ML.OnnxRuntime) on 256 test images.
var onnxPath = Path.Combine(Path.GetTempPath(), "deeplite-sample.onnx");
model.ExportOnnx(onnxPath, inputShape: [1, 28, 28]);
var images = test.Take(256).ToTensor();                            // [256, 1, 28, 28]
model.Eval();
float[] logits;
using (GradMode.Disable()) logits = model.Forward(images).ToArray();
using var session = new InferenceSession(onnxPath);
using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(images.ToArray(), [256, 1, 28, 28]))]);
var onnxLogits = results[0].AsTensor<float>().ToArray();
double onnxDifference = logits.Zip(onnxLogits, (a, b) => Math.Abs((double)a - b)).Max();
Console.WriteLine($"ONNX Runtime: {new FileInfo(onnxPath).Length:N0} bytes, largest logit difference {onnxDifference:G3} on 256 images");
// snippet-end

File.Delete(path);
File.Delete(onnxPath);
double logitScale = Math.Max(1, logits.Max(v => Math.Abs((double)v)));
bool ok = reloadedAccuracy == accuracy && accuracy > 0.9 && onnxDifference <= 1e-5 * logitScale;
Console.WriteLine(ok ? "OK" : "FAILED: the reloaded model differs, the model did not learn, or ONNX Runtime computes another model");
return ok ? 0 : 1;
