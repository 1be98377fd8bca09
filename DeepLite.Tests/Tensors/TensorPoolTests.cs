using DeepLite.Experiments.Models;
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
