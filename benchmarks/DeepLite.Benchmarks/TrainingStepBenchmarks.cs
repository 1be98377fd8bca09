using BenchmarkDotNet.Attributes;
using DeepLite.Experiments.Models;
using DeepLite.Layers;
using DeepLite.Losses;
using DeepLite.Optimizers;
using DeepLite.Tensors;
using DeepLite.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DeepLite.Benchmarks;

/// <summary>Whole training steps (zero grad, forward, loss, backward, update) of the HW1 models.</summary>
[Config(typeof(BenchmarkConfig))]
public class TrainingStepBenchmarks
{
    [Params("MLP 784-128-32-10 SGD b128", "CNN-4 CIFAR Adadelta b256", "1-280-1 Adam b1", "1-10-10-10-15-15-10-5-1 Adam b1")]
    public string Model { get; set; } = "";

    private Module<float> _model = null!;
    private Optimizer<float> _optimizer = null!;
    private Tensor<float> _x = null!, _y = null!;
    private int[] _labels = [];
    private bool _classification;

    private nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> _torchModel = null!;
    private optim.Optimizer _torchOptimizer = null!;
    private TorchSharp.torch.Tensor _tx = null!, _ty = null!;

    [GlobalSetup]
    public void Setup()
    {
        Torch.Init();
        var r = new SeededRandom(4);
        switch (Model)
        {
            case "MLP 784-128-32-10 SGD b128":
                _model = Hw1Models.Mlp<float>(r, 784, 128, 32, 10);
                _optimizer = new Sgd<float>(_model.Parameters(), 0.01, momentum: 0.9);
                Classification(r, [128, 784], 10);
                _torchModel = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(), nn.Linear(32, 10));
                _torchOptimizer = optim.SGD(_torchModel.parameters(), 0.01, momentum: 0.9);
                break;
            case "CNN-4 CIFAR Adadelta b256":
                _model = ModelDescription.Parse(Hw1Models.Cnns[1]).Build<float>([3, 32, 32], 10, r);
                _optimizer = new Adadelta<float>(_model.Parameters(), 0.1, 0.95, 1e-8);
                Classification(r, [256, 3, 32, 32], 10);
                _torchModel = nn.Sequential(
                    nn.Conv2d(3, 64, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(64, 128, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(128, 256, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(256, 480, 3, padding: 1), nn.ReLU(), nn.Flatten(), nn.Linear(480 * 16, 10));
                _torchOptimizer = optim.Adadelta(_torchModel.parameters(), 0.1, 0.95, 1e-8);
                break;
            default:
                var widths = Model.Split(' ')[0].Split('-').Select(int.Parse).ToArray();
                _model = Hw1Models.Mlp<float>(r, widths);
                _optimizer = new Adam<float>(_model.Parameters(), 1e-3);
                _x = Tensor<float>.Uniform(new Shape(1, 1), 0, 1, r);
                _y = Tensor<float>.Uniform(new Shape(1, 1), -1, 1, r);
                var layers = new List<(string, nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>)>();
                for (int i = 0; i + 1 < widths.Length; i++)
                {
                    layers.Add(($"l{i}", nn.Linear(widths[i], widths[i + 1])));
                    if (i + 2 < widths.Length) layers.Add(($"r{i}", nn.ReLU()));
                }
                _torchModel = nn.Sequential(layers);
                _torchOptimizer = optim.Adam(_torchModel.parameters(), 1e-3);
                _tx = rand(1, 1); _ty = rand(1, 1);
                break;
        }
    }

    private void Classification(SeededRandom r, int[] shape, int classes)
    {
        _classification = true;
        _x = Tensor<float>.Uniform(new Shape(shape), 0, 1, r);
        _labels = Enumerable.Range(0, shape[0]).Select(_ => r.NextInt(classes)).ToArray();
        _tx = Torch.Randn(shape.Select(d => (long)d).ToArray());
        _ty = tensor(_labels.Select(l => (long)l).ToArray());
    }

    [Benchmark(Baseline = true)]
    public void TorchSharp()
    {
        using var scope = NewDisposeScope();
        _torchOptimizer.zero_grad();
        var output = _torchModel.forward(_tx);
        var loss = _classification ? nn.functional.cross_entropy(output, _ty) : nn.functional.mse_loss(output, _ty);
        loss.backward();
        _torchOptimizer.step();
    }

    [Benchmark]
    public void DeepLite()
    {
        // The library's step: its intermediate tensors come from the pool and return to it when it ends.
        Trainer.Step(_optimizer, () =>
        {
            var output = _model.Forward(_x);
            return _classification ? Loss.SoftmaxCrossEntropy(output, _labels) : Loss.MeanSquaredError(output, _y);
        });
    }
}
