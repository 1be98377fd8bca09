using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Layers;

/// <summary>
/// Batch normalization over the channel axis (axis 1) of [N, C] or [N, C, L] inputs (PyTorch's <c>nn.BatchNorm1d</c>)
/// and of [N, C, H, W] inputs (<c>nn.BatchNorm2d</c>): y = (x - mean) / sqrt(var + eps) · weight + bias per channel.
/// In training mode mean and var are the batch's (var biased), and the running statistics move toward them by
/// <see cref="Momentum"/> (the running variance toward the unbiased one, as PyTorch); after <see cref="Module{T}.Eval"/>
/// the running statistics normalize. Parameters <c>weight</c> (ones) and <c>bias</c> (zeros), buffers
/// <c>running_mean</c> (zeros) and <c>running_var</c> (ones): PyTorch's state_dict names. The training-mode forward is
/// written with recorded ops, so it has a backward and a double backward through the batch statistics. Without
/// <c>affine</c> there is no weight or bias (PyTorch's <c>affine=False</c>); without <c>trackRunningStatistics</c>
/// (<c>track_running_stats=False</c>) there are no running statistics and evaluation mode normalizes by the batch's too.
/// </summary>
public sealed class BatchNorm<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer for <paramref name="features"/> channels (PyTorch's defaults: eps 1e-5, momentum 0.1, affine, running statistics).</summary>
    public BatchNorm(int features, double epsilon = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStatistics = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"BatchNorm: epsilon must be positive, got {epsilon}.");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), $"BatchNorm: momentum must be in [0, 1], got {momentum}.");
        Features = features; Epsilon = epsilon; Momentum = momentum;
        if (affine)
        {
            Weight = RegisterParameter("weight", Tensor<T>.Ones(features));
            Bias = RegisterParameter("bias", Tensor<T>.Zeros(features));
        }
        if (trackRunningStatistics)
        {
            RunningMean = RegisterBuffer("running_mean", Tensor<T>.Zeros(features));
            RunningVar = RegisterBuffer("running_var", Tensor<T>.Ones(features));
        }
    }

    /// <summary>The number of channels.</summary>
    public int Features { get; }
    /// <summary>Added to the variance under the square root.</summary>
    public double Epsilon { get; }
    /// <summary>How far the running statistics move toward each batch's (PyTorch's momentum).</summary>
    public double Momentum { get; }
    /// <summary>The per-channel scale (γ), or null without affine.</summary>
    public Tensor<T>? Weight { get; }
    /// <summary>The per-channel shift (β), or null without affine.</summary>
    public Tensor<T>? Bias { get; }
    /// <summary>The running mean per channel, or null without running statistics.</summary>
    public Tensor<T>? RunningMean { get; }
    /// <summary>
    /// The running variance per channel, or null without running statistics. It moves toward each batch's unbiased
    /// variance (divided by n - 1, n the values per channel), as PyTorch's, while the batch is normalized by the biased one.
    /// </summary>
    public Tensor<T>? RunningVar { get; }

    /// <inheritdoc/>
    public override Tensor<T> Forward(Tensor<T> input)
    {
        if (input.Rank is < 2 or > 4 || input.Shape[1] != Features)
            throw new ArgumentException($"BatchNorm({Features}): input must be [N, {Features}], [N, {Features}, L] or [N, {Features}, H, W], got shape {input.Shape}.");
        int[] axes = [0, .. Enumerable.Range(2, input.Rank - 2)];
        var perChannel = Enumerable.Repeat(1, input.Rank).ToArray();
        perChannel[1] = Features;
        T eps = T.CreateChecked(Epsilon);
        if (!IsTraining && RunningMean is not null && RunningVar is not null)
            return Affine((input - RunningMean.Reshape(perChannel)) / (RunningVar.Reshape(perChannel) + eps).Pow(T.CreateChecked(0.5)), perChannel);

        long count = input.Size / Features;
        if (count < 2) throw new ArgumentException($"BatchNorm({Features}): training needs more than one value per channel, got shape {input.Shape}.");
        var mean = input.Mean(axes, keepDims: true);
        var centered = input - mean;
        var variance = (centered * centered).Mean(axes, keepDims: true);
        var y = Affine(centered / (variance + eps).Pow(T.CreateChecked(0.5)), perChannel);
        if (IsTraining) UpdateRunningStatistics(mean, variance, count);
        return y;
    }

    private Tensor<T> Affine(Tensor<T> normalized, int[] perChannel) =>
        Weight is null || Bias is null ? normalized : normalized * Weight.Reshape(perChannel) + Bias.Reshape(perChannel);

    private void UpdateRunningStatistics(Tensor<T> mean, Tensor<T> variance, long count)
    {
        if (RunningMean is null || RunningVar is null) return;
        T m = T.CreateChecked(Momentum), keep = T.One - m, unbias = T.CreateChecked(count / (double)(count - 1));
        using var _ = GradMode.Disable();
        Span<T> rm = RunningMean.Span, rv = RunningVar.Span;
        ReadOnlySpan<T> bm = mean.Span, bv = variance.Span;
        for (int c = 0; c < Features; c++)
        {
            rm[c] = keep * rm[c] + m * bm[c];
            rv[c] = keep * rv[c] + m * bv[c] * unbias;
        }
    }

    /// <inheritdoc/>
    protected override string Describe() =>
        $"BatchNorm({Features}, eps: {Epsilon}, momentum: {Momentum}{(Weight is null ? ", no affine" : "")}{(RunningMean is null ? ", no running statistics" : "")})";
}
