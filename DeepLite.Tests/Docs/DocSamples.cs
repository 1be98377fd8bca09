using DeepLite.Analysis;
using DeepLite.Autograd;
using DeepLite.Data;
using DeepLite.Experiments.Framework;
using DeepLite.Experiments.Hw1;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Serialization;
using DeepLite.Tensors;

namespace DeepLite.Tests.Docs;

/// <summary>
/// The code of every C# block in docs/*.md, between <c>snippet-begin</c>/<c>snippet-end</c> markers, run as
/// tests; <see cref="DocSnippetTests"/> checks that each page shows exactly this code.
/// </summary>
[Collection(nameof(ProcessWideSettings))] // the memory sample sets TensorPool.MaxIdleBytes, as a user would
public sealed partial class DocSamples
{
    // Each sample compiles alone as pasted (DocSnippetTests): it makes its own model and its own temporary folder
    // (never the process's current directory, which tests running in parallel share), and the test deletes it.

    [Fact]
    public void TensorsAndAutograd()
    {
        // snippet-begin: tensors
        var random = new SeededRandom(1);
        var a = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);   // [2, 3], row-major
        var b = Tensor<double>.Normal(new Shape(3, 4), mean: 0, std: 1, random);
        var c = a.MatMul(b) + Tensor.FromArray(new double[] { 1, 0, 0, 1 }, 4);  // [2, 4]; the row broadcasts
        Console.WriteLine($"{c.Shape}, sum over rows: {c.Sum(axis: 0).Shape}");   // [2, 4], sum over rows: [4]
        // snippet-end
        Assert.Equal(new Shape(2, 4), c.Shape);

        // snippet-begin: autograd
        var x = Tensor.FromArray(new double[] { 0.5, -1.0, 2.0 }, 3);
        x.RequiresGrad = true;
        var y = (x * x).Sum() + x.Tanh().Sum();   // y = Σ x² + tanh x
        y.Backward();                              // x.Grad = 2x + 1 - tanh² x
        Console.WriteLine(string.Join(", ", x.Grad!.ToArray()));

        using (GradMode.Disable())                 // inference: nothing is recorded
            Console.WriteLine(x.Tanh().RequiresGrad);  // False
        // snippet-end
        Assert.Equal(2 * 0.5 + 1 - Math.Pow(Math.Tanh(0.5), 2), x.Grad![0], 12);

        // snippet-begin: double-backward
        var w = Tensor.FromArray(new double[] { 1.0, 2.0 }, 2);
        w.RequiresGrad = true;
        var loss = (w * w * w).Sum();                                  // L = Σ w³
        var grad = AutoDiff.Grad(loss, [w], createGraph: true)[0];     // 3w², itself differentiable
        var v = Tensor.FromArray(new double[] { 1.0, 0.0 }, 2);
        var hv = AutoDiff.Grad((grad * v).Sum(), [w])[0];              // H v = 6w ⊙ v = [6, 0]
        var hvp = new HessianVectorProduct<double>((w * w * w).Sum(), [w]).Apply([v])[0];  // the same, packaged
                                                                           // (a fresh graph: the first was freed)
        // snippet-end
        Assert.Equal(new[] { 6.0, 0.0 }, hv.ToArray());
        Assert.Equal(new[] { 6.0, 0.0 }, hvp.ToArray());
    }

    [Fact]
    public void Layers()
    {
        // snippet-begin: layers
        var random = new SeededRandom(42);
        var cnn = new Sequential<float>(
            new Conv2D<float>(3, 16, kernelSize: 3, random, padding: Padding.Same), new Relu<float>(),
            new MaxPool2D<float>(2),
            new Flatten<float>(),
            new Dense<float>(16 * 16 * 16, 10, random, Initializer.GlorotUniform));
        foreach (var (name, parameter) in cnn.NamedParameters())
            Console.WriteLine($"{name}: {parameter.Shape}");   // layers.0.weight: [16, 3, 3, 3], ...
        Console.WriteLine(cnn.ParameterCount);                 // 41,418
        var logits = cnn.Forward(Tensor<float>.Zeros(8, 3, 32, 32));   // [8, 10]
        // snippet-end
        Assert.Equal(16 * 27 + 16 + 4096 * 10 + 10, cnn.ParameterCount);
        Assert.Equal(new Shape(8, 10), logits.Shape);

        // snippet-begin: custom-module
        var block = new Residual(8, new SeededRandom(3));
        var output = block.Forward(Tensor<float>.Ones(4, 8));
        // snippet-end
        Assert.Equal(new Shape(4, 8), output.Shape);
        Assert.Equal(["inner.weight", "inner.bias"], block.NamedParameters().Select(p => p.Name));
    }

    // snippet-begin: residual
    /// <summary>x + tanh(W x + b): parameters come from registered children, autograd from the ops.</summary>
    public sealed class Residual : Module<float>
    {
        private readonly Dense<float> _inner;

        public Residual(int width, SeededRandom random) =>
            _inner = RegisterModule("inner", new Dense<float>(width, width, random));

        public override Tensor<float> Forward(Tensor<float> x) => x + _inner.Forward(x).Tanh();
    }
    // snippet-end

    [Fact]
    public void LossesAndOptimizers()
    {
        // snippet-begin: training-loop
        var random = new SeededRandom(5);
        var model = new Sequential<float>(new Dense<float>(4, 32, random), new Relu<float>(), new Dense<float>(32, 3, random));
        var optimizer = new Sgd<float>(model.Parameters(), learningRate: 0.1, momentum: 0.9);
        var inputs = Tensor<float>.Normal(new Shape(64, 4), 0, 1, random);
        int[] labels = Enumerable.Range(0, 64).Select(i => i % 3).ToArray();

        for (int step = 0; step < 100; step++)
        {
            using var scope = TensorPool.BeginScope();   // the step's temporaries return to the pool
            optimizer.ZeroGrad();
            var loss = Loss.SoftmaxCrossEntropy(model.Forward(inputs), labels);   // mean over the batch
            loss.Backward();
            optimizer.Step();
            if (step == 50) optimizer.LearningRate = 0.01;   // a schedule: change the rate between steps
        }
        // snippet-end
        using (GradMode.Disable())
            Assert.True(Loss.SoftmaxCrossEntropy(model.Forward(inputs), labels).Item() < 0.9);
    }

    [Fact]
    public void TensorPoolKnobs()
    {
        // snippet-begin: tensor-pool
        var model = new Sequential<float>(new Dense<float>(4, 32), new Relu<float>(), new Dense<float>(32, 3));
        var inputs = Tensor<float>.Ones(64, 4);
        int[] labels = new int[64];
        Tensor<float> kept;
        double lossValue;
        using (TensorPool.BeginScope())
        {
            var loss = Loss.SoftmaxCrossEntropy(model.Forward(inputs), labels);
            lossValue = loss.Item();             // read what you need inside the scope...
            kept = model.Forward(inputs).Clone(); // ...or clone it: a clone is never pooled
        }
        var stats = TensorPool.Statistics;       // this thread: held, in use, largest step (PeakInUseBytes), idle buffers
        TensorPool.Trim();                       // free the idle buffers now (a sweep moving to another model)
        TensorPool.MaxIdleBytes = 256L << 20;    // or cap what is kept between steps, trading speed for memory
        // snippet-end
        TensorPool.MaxIdleBytes = long.MaxValue;
        Assert.True(lossValue > 0 && kept.IsValid && stats.PeakInUseBytes > 0);
        Assert.Equal(0, TensorPool.Statistics.HeldBytes);
    }

    [Fact]
    public void OptimizersAndLosses()
    {
        // snippet-begin: optimizers
        var model = new Sequential<float>(new Dense<float>(4, 32), new Relu<float>(), new Dense<float>(32, 3));
        var parameters = model.Parameters();
        var sgd = new Sgd<float>(parameters, learningRate: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4);
        var adam = new Adam<float>(parameters, learningRate: 1e-3, epsilonPlacement: AdamEpsilon.Keras);
        var adadelta = new Adadelta<float>(parameters, Adadelta<float>.KerasDefaults);
        var regression = Loss.MeanSquaredError(Tensor<float>.Ones(2, 2), Tensor<float>.Zeros(2, 2), Reduction.Sum);   // 4
        // snippet-end
        Assert.Equal(4f, regression.Item());
        Assert.Equal(["momentum_buffer"], sgd.StateNames);
        Assert.Equal(0.95, adadelta.Rho);
        Assert.Equal(AdamEpsilon.Keras, adam.EpsilonPlacement);
    }

    [Fact]
    public void Hw1Claims()
    {
        // A results folder as `run hw1-3-1` leaves it, in miniature.
        using var fixtures = new Tests.Data.Fixtures();
        var results = fixtures.Folder;
        Directory.CreateDirectory(Path.Combine(results, "hw1-3-1"));
        File.WriteAllText(Path.Combine(results, "hw1-3-1", "results.csv"),
            "run,x_name,x,metric,value\nmlp,epoch,300,train_accuracy,0.82\nmlp,epoch,300,test_accuracy,0.098\n");
        // The block is a program's top-level statements; here they get the folder as its command-line argument.
        static void Program(string[] args)
        {
            // snippet-begin: hw1-claims
            var results = args.Length > 0 ? args[0] : "results";   // the --out of `run hw1-3-1`
            var csv = Path.Combine(results, "hw1-3-1", "results.csv");
            var points = Measurement.FromCsv(File.ReadAllText(csv), csv);
            foreach (var claim in new RandomLabels().Claims)   // an experiment declares its claims in its file
            {
                var verdict = claim.Evaluate(points);          // holds / does not hold / not conclusive, with the numbers
                Console.WriteLine($"{claim.Statement} {verdict.Verdict}: {verdict.Evidence}");
            }
            // snippet-end
        }
        Program([results]);
        var csv = Path.Combine(results, "hw1-3-1", "results.csv");
        Assert.Equal(DeepLite.Experiments.Framework.Verdict.Holds,
            ExperimentRegistry.Find("hw1-3-1")!.Claims.Single().Evaluate(Measurement.FromCsv(File.ReadAllText(csv), csv)).Verdict);
    }

    [SkippableFact]
    public void Data()
    {
        // The block loads MNIST as a user's program does: with DEEPLITE_DATA_MIRROR (CI's) or a cached copy, never a download here.
        var options = new DataStoreOptions();
        Skip.If(options.MirrorDirectory is null && !Directory.Exists(Path.Combine(options.CacheDirectory, "mnist")),
            "no MNIST copy (DEEPLITE_DATA_MIRROR unset, nothing cached): the block would download it");
        // snippet-begin: data
        var mnist = DataStore.Get("mnist");  // the cache, DEEPLITE_DATA_MIRROR, a system package, else downloaded; SHA-256 checked
        Console.WriteLine(mnist.Source);     // where it was found and which pinned version it matched
        var (train, test, _) = mnist.Normalized(Normalization.Mnist);    // both splits (transforms.Normalize): loaders and Evaluate read it
        train = train.SamplePerClass(2, seed: 1);                       // a seeded, class-balanced subset, still normalized
        var loader = new DataLoader(train, batchSize: 8, shuffle: true, seed: 1);
        foreach (var batch in loader.Epoch(0))                          // epoch e's order depends on seed and e only
            Console.WriteLine($"{batch.Index}: {batch.Images.Shape}, first label {batch.Labels[0]}");
        // snippet-end
        Assert.Equal(3, loader.BatchesPerEpoch);
        Assert.Equal(20, train.Count);
        Assert.Equal(10_000, test.Count);
    }

    [Fact]
    public void Analysis()
    {
        // snippet-begin: analysis
        var random = new SeededRandom(9);
        var model = new Sequential<double>(new Dense<double>(1, 6, random), new Tanh<double>(), new Dense<double>(6, 1, random));
        var x = Tensor<double>.Uniform(new Shape(32, 1), -1, 1, random);
        var target = x.Tanh();
        Tensor<double> Loss() => DeepLite.Losses.Loss.MeanSquaredError(model.Forward(x), target);

        Loss().Backward();
        double gradientNorm = GradientNorm.Of(model.Parameters());                  // ‖∇L‖ over all parameters
        var spectrum = HessianSpectrum.Compute(Loss(), model.Parameters());         // exact Hessian, 19 x 19
        Console.WriteLine($"‖g‖ = {gradientNorm:G3}, λ ∈ [{spectrum.Eigenvalues[0]:G3}, {spectrum.Eigenvalues[^1]:G3}], " +
                          $"minimal ratio {spectrum.MinimalRatio():P0}");
        var sharpness = Sharpness.Estimate(model.Parameters(), Loss, epsilon: 1e-3, samples: 10, ascentSteps: 5, random);
        var pca = Pca.Fit([[1.0, 2.0], [2.0, 4.1], [3.0, 5.9]], componentCount: 1);  // e.g. on weight snapshots
        // snippet-end
        Assert.Equal(19, spectrum.Eigenvalues.Length);
        Assert.True(gradientNorm > 0);
        Assert.True(sharpness.MaxLoss >= sharpness.Loss);
        Assert.Single(pca.Components);
    }

    [Fact]
    public void Landscape()
    {
        // snippet-begin: landscape
        var random = new SeededRandom(3);
        var model = new Sequential<float>(new Conv2D<float>(1, 4, 3, random), new Relu<float>(), new MaxPool2D<float>(2),
            new Flatten<float>(), new Dense<float>(4 * 5 * 5, 10, random));
        var images = Tensor<float>.Normal(new Shape(60, 1, 12, 12), 0, 1, random);
        int[] labels = [.. Enumerable.Range(0, 60).Select(i => i % 10)];

        // The Hessian of the mean loss over 60 images, in batches of 20: each product recomputes each batch's graph.
        var batches = Enumerable.Range(0, 3).Select(b =>
        {
            var x = Tensor.FromArray(images.ToArray()[(b * 20 * 144)..((b + 1) * 20 * 144)], 20, 1, 12, 12);
            var y = labels[(b * 20)..((b + 1) * 20)];
            return new HessianBatch<float>(() => DeepLite.Losses.Loss.SoftmaxCrossEntropy(model.Forward(x), y), 20);
        }).ToList();
        var hessian = new HessianOperator<float>(model.Parameters(), batches);

        var top = HessianEigenvalues.Compute(hessian, k: 3, random, maxIterations: 30);        // Lanczos
        var trace = HessianTrace.Hutchinson(hessian, samples: 20, random);                     // Rademacher vᵀHv
        var density = SpectralDensity.Estimate(hessian, iterations: 20, runs: 2, random);      // SLQ
        Console.WriteLine($"λ1..3 = {string.Join(", ", top.Eigenvalues.Select(l => l.ToString("G4")))} " +
                          $"(residuals ≤ {top.Residuals.Max():G2}, {top.Products} passes over the data)");
        Console.WriteLine($"trace ≈ {trace.Trace:G4}, 95 % in [{trace.Interval95.Low:G4}, {trace.Interval95.High:G4}]");
        var (grid, values, sigma) = density.OnGrid(points: 400);                               // for a log-y chart

        // Li et al.'s loss surface: two filter-normalized directions, the loss on a 5 x 5 grid around the trained point.
        var delta = LossSurface.FilterNormalizedDirection(model.Parameters(), random);
        var eta = LossSurface.FilterNormalizedDirection(model.Parameters(), random);
        double[] axis = [-1, -0.5, 0, 0.5, 1];
        double Loss() { using (GradMode.Disable()) return DeepLite.Losses.Loss.SoftmaxCrossEntropy(model.Forward(images), labels).Item(); }
        double[,] surface = LossSurface.Plane(model.Parameters(), delta, eta, axis, axis, Loss);
        Console.WriteLine($"loss at the centre {surface[2, 2]:G4}, at a corner {surface[0, 0]:G4}");
        // snippet-end
        Assert.Equal(3, top.Eigenvalues.Length);
        Assert.True(top.Eigenvalues[0] >= top.Eigenvalues[1]);
        Assert.Equal(20, trace.Products);
        Assert.Equal(400, grid.Length);
        Assert.True(sigma > 0 && values.All(double.IsFinite));
        Assert.Equal(Loss(), surface[2, 2], 6);
    }

    [Fact]
    public void SavingWeights()
    {
        // snippet-begin: save-weights
        var model = new Sequential<float>(new Dense<float>(4, 8), new Relu<float>(), new Dense<float>(8, 2));
        var path = Path.Combine(Directory.CreateTempSubdirectory("deeplite-").FullName, "model.safetensors");
        model.SaveWeights(path);                      // layers.0.weight, layers.0.bias, ... as F32
        var result = model.LoadWeights(path);         // checks names and shapes first; errors name the tensor
        Console.WriteLine(result);                    // All keys matched successfully (4 tensors loaded)

        var file = SafeTensorsFile.Open(path);        // any safetensors file, e.g. from PyTorch
        foreach (var t in file.Tensors)
            Console.WriteLine($"{t.Name}: {t.DType} [{string.Join(", ", t.Shape)}]");
        var firstWeight = file.Read<float>("layers.0.weight");
        // snippet-end
        Assert.Equal(new Shape(8, 4), firstWeight.Shape);
        Assert.Equal("All keys matched successfully (4 tensors loaded)", result.ToString());
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void SavingACheckpoint()
    {
        // snippet-begin: checkpoint
        var model = new Sequential<float>(new Dense<float>(4, 8), new Relu<float>(), new Dense<float>(8, 2));
        var optimizer = new Adam<float>(model.Parameters());
        var runPath = Path.Combine(Directory.CreateTempSubdirectory("deeplite-").FullName, "run.safetensors");
        int epoch = 3;
        var shuffling = new SeededRandom(7);
        Checkpoint.Save(runPath, model, optimizer, epoch, shuffling);

        // later, in a new process: build the same model and optimizer, then
        var info = Checkpoint.Load(runPath, model, optimizer, shuffling);
        for (int e = info.Epoch + 1; e <= 10; e++) { /* train epoch e */ }
        // snippet-end
        Assert.Equal(3, info.Epoch);
        Directory.Delete(Path.GetDirectoryName(runPath)!, recursive: true);
    }
}
