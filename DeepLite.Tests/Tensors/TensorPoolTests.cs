using DeepLite.Experiments.Models;
using DeepLite.Kernels.Convolution;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;

namespace DeepLite.Tests.Tensors;

public class TensorPoolTests
{
    [Fact]
    public void BuffersReturnAtTheEndOfAScopeAndAreReused()
    {
        float[][] first;
        using (TensorPool.BeginScope())
        {
            var ones = Tensor<float>.Ones(1000);
            first = [ones.Buffer, (ones * 2f).Buffer];
        }
        using (TensorPool.BeginScope())
        {
            var again = Tensor<float>.Ones(1000) * 3f;
            Assert.Contains(first, b => ReferenceEquals(b, again.Buffer));
            Assert.Equal(3f, again[999]);
        }
        Assert.False(TensorPool.InScope);
        // Outside a scope nothing is pooled.
        Assert.NotSame(Tensor<float>.Ones(1000).Buffer, Tensor<float>.Ones(1000).Buffer);
    }

    [Fact]
    public void ParametersAndGradientsNeverComeFromThePool()
    {
        DeepLite.Layers.Sequential<float> model;
        using (TensorPool.BeginScope()) model = Hw1Models.Mlp<float>(new SeededRandom(1), 4, 8, 2);
        var before = model.Parameters().Select(p => p.ToArray()).ToList();
        using (TensorPool.BeginScope())
        {
            var x = Tensor<float>.Ones(3, 4);
            Loss.MeanSquaredError(model.Forward(x), Tensor<float>.Zeros(3, 2)).Backward();
        }
        // New scopes reuse the returned buffers; the parameters and their gradients must be untouched.
        var grads = model.Parameters().Select(p => p.Grad!.ToArray()).ToList();
        using (TensorPool.BeginScope())
            for (int i = 0; i < 10; i++) _ = Tensor<float>.Full(123f, 8, 4) + Tensor<float>.Full(7f, 4);
        Assert.Equal(before, model.Parameters().Select(p => p.ToArray()).ToList());
        Assert.Equal(grads, model.Parameters().Select(p => p.Grad!.ToArray()).ToList());
    }

    [Fact]
    public void ASteadyTrainingStepAllocatesNoTensorMemory()
    {
        var random = new SeededRandom(2);
        var model = Hw1Models.Mlp<float>(random, 784, 128, 32, 10);
        var optimizer = new Sgd<float>(model.Parameters(), 0.01, momentum: 0.9);
        var x = Tensor<float>.Uniform(new Shape(128, 784), 0, 1, random);
        var labels = Enumerable.Range(0, 128).Select(i => i % 10).ToArray();
        void Step()
        {
            using var scope = TensorPool.BeginScope();
            optimizer.ZeroGrad();
            Loss.SoftmaxCrossEntropy(model.Forward(x), labels).Backward();
            optimizer.Step();
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        // One activation of the first layer alone is 128 x 128 floats = 64 KB; what remains per step are
        // the small graph objects (nodes, closures, shapes) and the parameter gradients' first copies.
        Assert.True(perStep < 64 * 1024, $"a steady step allocated {perStep} bytes");
    }
}

/// <summary>Use after scope, the loader's batch, and memory that follows the steps (issue #14).</summary>
[Collection(nameof(ProcessWideSettings))] // one test caps MaxIdleBytes
public class TensorPoolLifetimeTests
{
    [Fact]
    public void ATensorKeptPastItsScopeThrowsInsteadOfChangingValue()
    {
        var x = Tensor<float>.Ones(4);
        Tensor<float> kept;
        using (TensorPool.BeginScope()) kept = x.MultiplyScalar(2f);
        using (TensorPool.BeginScope()) x.MultiplyScalar(5f);
        Assert.False(kept.IsValid);
        var error = Assert.Throws<InvalidOperationException>(() => kept.ToArray());
        Assert.Contains("scope #", error.Message);
        Assert.Contains("Clone()", error.Message);
        Assert.Throws<InvalidOperationException>(() => kept[0] = 1f);
        Assert.Throws<InvalidOperationException>(() => kept.Item());
        Assert.Throws<InvalidOperationException>(() => kept.Reshape(2, 2));
        // A recorded result names its op.
        var w = Tensor<float>.Ones(4); w.RequiresGrad = true;
        Tensor<float> product;
        using (TensorPool.BeginScope()) product = w * x;
        Assert.Contains("'Multiply'", Assert.Throws<InvalidOperationException>(() => product.Sum()).Message);
        // A clone taken inside lives on; so does everything made outside a scope.
        Tensor<float> cloned;
        using (TensorPool.BeginScope()) cloned = x.MultiplyScalar(3f).Clone();
        using (TensorPool.BeginScope()) x.MultiplyScalar(7f);
        Assert.Equal([3f, 3f, 3f, 3f], cloned.ToArray());
        Assert.True(x.MultiplyScalar(1f).IsValid);
    }

    [Fact]
    public void AViewOfAPooledTensorDiesWithIt()
    {
        Tensor<float> view;
        using (TensorPool.BeginScope())
        {
            var t = Tensor<float>.Ones(2, 3) * 2f;
            view = t.Reshape(3, 2);
            Assert.Equal(2f, view[2, 1]);
        }
        Assert.Throws<InvalidOperationException>(() => view.ToArray());
    }

    [Fact]
    public void ADataLoaderMadeInsideAScopeKeepsItsBatch()
    {
        var pixels = Enumerable.Range(0, 8 * 4).Select(i => (byte)(10 + i)).ToArray();
        var dataset = new DeepLite.Data.ImageDataset("tiny", pixels, [0, 1, 0, 1, 0, 1, 0, 1], 1, 2, 2, ["a", "b"]);
        DeepLite.Data.DataLoader loader;
        using (TensorPool.BeginScope()) loader = new DeepLite.Data.DataLoader(dataset, 4, shuffle: false);
        foreach (var batch in loader.Epoch(0))
        {
            var before = batch.Images.ToArray();
            using (TensorPool.BeginScope()) _ = batch.Images.MultiplyScalar(0f);
            using (TensorPool.BeginScope()) _ = Tensor<float>.Zeros(4, 1, 2, 2) + 1f;
            Assert.Equal(before, batch.Images.ToArray());
            Assert.True(before.All(v => v > 0));
        }
    }

    [Fact]
    public void BackwardThroughMaxPoolingAfterItsScopeThrows()
    {
        var x = Tensor<float>.Uniform(new Shape(1, 2, 4, 4), 0, 1, new SeededRandom(3));
        x.RequiresGrad = true;
        Tensor<float> loss;
        using (TensorPool.BeginScope()) loss = x.MaxPool2D().Sum();
        // The loss itself is dead too; a retained graph walked later must not read another step's window indices.
        using (TensorPool.BeginScope()) _ = Tensor<float>.Uniform(new Shape(1, 2, 4, 4), 0, 1, new SeededRandom(4)).MaxPool2D();
        Assert.Contains("window indices went back to the pool", Assert.Throws<InvalidOperationException>(() => loss.Backward(Tensor<float>.Ones())).Message);
    }

    [Fact]
    public void AShortLastBatchReusesTheFullBatchsBuffers()
    {
        void Step(int rows)
        {
            using var scope = TensorPool.BeginScope();
            _ = (Tensor<float>.Ones(rows, 1000) * 2f).Relu();
        }
        TensorPool.Trim();
        for (int i = 0; i < 3; i++) Step(100);
        long held = TensorPool.Statistics.HeldBytes;
        Step(70);
        Assert.Equal(held, TensorPool.Statistics.HeldBytes);
        Step(100);
        Assert.Equal(held, TensorPool.Statistics.HeldBytes);
    }

    [Fact]
    public void ASweepOverModelsAndBatchShapesKeepsHeldMemoryBounded()
    {
        TensorPool.Trim();
        long largestStep = 0;
        foreach (var (widths, batch) in new[] { (new[] { 64, 256, 10 }, 128), (new[] { 64, 32, 10 }, 500), (new[] { 64, 512, 512, 10 }, 64), (new[] { 64, 16, 10 }, 32), (new[] { 64, 256, 10 }, 1000) })
        {
            var random = new SeededRandom(batch);
            var model = Hw1Models.Mlp<float>(random, widths);
            var optimizer = new Sgd<float>(model.Parameters(), 0.01);
            var x = Tensor<float>.Uniform(new Shape(batch, 64), 0, 1, random);
            var labels = Enumerable.Range(0, batch).Select(i => i % 10).ToArray();
            long phasePeak = 0;
            for (int step = 0; step < 20; step++)
            {
                TensorPool.ResetPeak();
                using (TensorPool.BeginScope())
                {
                    optimizer.ZeroGrad();
                    Loss.SoftmaxCrossEntropy(model.Forward(x), labels).Backward();
                    optimizer.Step();
                }
                phasePeak = Math.Max(phasePeak, TensorPool.Statistics.PeakInUseBytes);
                largestStep = Math.Max(largestStep, phasePeak);
                // Never more than the largest step seen, idle and in use together.
                Assert.True(TensorPool.Statistics.HeldBytes <= largestStep, $"held {TensorPool.Statistics.HeldBytes} > largest step {largestStep}");
            }
            // After more steps than the pool looks back over, it keeps what this phase needs and no more.
            Assert.True(TensorPool.Statistics.HeldBytes <= phasePeak, $"{string.Join('-', widths)} at batch {batch}: held {TensorPool.Statistics.HeldBytes} > this phase's peak {phasePeak}");
        }
    }

    [Fact]
    public void TrimAndMaxIdleBytesGiveMemoryBack()
    {
        using (TensorPool.BeginScope()) _ = Tensor<float>.Ones(100_000) * 2f;
        Assert.True(TensorPool.Statistics.HeldBytes >= 800_000);
        TensorPool.Trim();
        Assert.Equal(0, TensorPool.Statistics.HeldBytes);
        Assert.Equal(0, TensorPool.Statistics.IdleBuffers);
        try
        {
            TensorPool.MaxIdleBytes = 0;
            using (TensorPool.BeginScope()) _ = Tensor<float>.Ones(100_000) * 2f;
            Assert.Equal(0, TensorPool.Statistics.HeldBytes);
        }
        finally { TensorPool.MaxIdleBytes = long.MaxValue; }
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorPool.MaxIdleBytes = -1);
    }

    [Fact]
    public void TrimAlsoReleasesTheKernelsScratchBuffers()
    {
        // An im2col convolution fills the workspace (columns and product matrix) of the threads that ran it.
        var x = Tensor<float>.Ones(8, 16, 12, 12);
        var w = Tensor<float>.Ones(32, 16, 3, 3);
        _ = x.Conv2D(w, algorithm: ConvAlgorithm.Im2ColGemm);
        var before = DeepLite.Kernels.Workspace<float>.Get(DeepLite.Kernels.WorkspaceSlot.Im2Col, 1);
        Assert.True(before.Length >= 16 * 9 * 8 * 100, $"the im2col buffer holds {before.Length} values");
        TensorPool.Trim();
        // This thread's slot was dropped (other test classes running convolutions meanwhile fill only their own threads').
        Assert.NotSame(before, DeepLite.Kernels.Workspace<float>.Get(DeepLite.Kernels.WorkspaceSlot.Im2Col, 1));
    }

    [Fact]
    public void ScopesEndInReverseOrder()
    {
        var outer = TensorPool.BeginScope();
        var inner = TensorPool.BeginScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
        Assert.False(TensorPool.InScope);
    }
}
