using System.Numerics;
using DeepLite.Autograd;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>One batch of the data a <see cref="HessianOperator{T}"/> averages over: a function computing the batch's mean loss, and its example count.</summary>
/// <param name="loss">Computes the batch's mean loss with recording on (a forward pass of the model on the batch).</param>
/// <param name="count">The batch's examples: its weight in the data set's mean.</param>
public readonly struct HessianBatch<T>(Func<Tensor<T>> loss, int count) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Computes the batch's mean loss.</summary>
    public Func<Tensor<T>> Loss { get; } = loss;
    /// <summary>The batch's examples.</summary>
    public int Count { get; } = count;
}

/// <summary>
/// The Hessian of a data set's mean loss as an operator on flat vectors: H v = Σ_b (n_b / N) ∇²L_b v over the batches b
/// (PyHessian's <c>dataloader_hv_product</c>), each term an exact Hessian-vector product by double backward in
/// <typeparamref name="T"/>, accumulated in float64. Nothing of a batch is kept between products (its graph is rebuilt
/// each time), so a model of any size fits: the cost of one <see cref="Apply"/> is a forward and two backward passes
/// over the whole data set, counted in <see cref="Products"/>. The model should be in evaluation mode (BatchNorm's
/// running statistics, no dropout), as PyHessian puts it.
/// </summary>
public sealed class HessianOperator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IReadOnlyList<Tensor<T>> _parameters;
    private readonly IReadOnlyList<HessianBatch<T>> _batches;
    private readonly long _total;

    /// <summary>The Hessian of the mean loss over <paramref name="batches"/> with respect to <paramref name="parameters"/>.</summary>
    /// <exception cref="ArgumentException">No parameters, no batches, or a batch without examples.</exception>
    public HessianOperator(IReadOnlyList<Tensor<T>> parameters, IReadOnlyList<HessianBatch<T>> batches)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(batches);
        if (parameters.Count == 0) throw new ArgumentException("HessianOperator: no parameters.", nameof(parameters));
        if (batches.Count == 0) throw new ArgumentException("HessianOperator: no batches.", nameof(batches));
        for (int b = 0; b < batches.Count; b++)
            if (batches[b].Count <= 0 || batches[b].Loss is null)
                throw new ArgumentException($"HessianOperator: batch {b} has {batches[b].Count} examples{(batches[b].Loss is null ? " and no loss" : "")}; each needs a loss and at least one example.", nameof(batches));
        _parameters = parameters;
        _batches = batches;
        _total = batches.Sum(b => (long)b.Count);
        Dimension = checked(parameters.Sum(p => p.Size));
    }

    /// <summary>The Hessian of one loss (one batch of weight 1).</summary>
    public HessianOperator(IReadOnlyList<Tensor<T>> parameters, Func<Tensor<T>> loss) : this(parameters, [new HessianBatch<T>(loss, 1)]) { }

    /// <summary>The number of parameter elements: the length of a vector.</summary>
    public int Dimension { get; }

    /// <summary>The batch Hessian-vector products made so far (one <see cref="Apply"/> makes one per batch).</summary>
    public long Products { get; private set; }

    /// <summary>Full passes over the data made so far (<see cref="Apply"/> calls): the cost of an analysis in HVPs.</summary>
    public long Passes { get; private set; }

    /// <summary>
    /// H v for a flat <paramref name="vector"/> (the parameters' elements in order, each row-major:
    /// <c>torch.nn.utils.parameters_to_vector</c>'s layout), flat the same way.
    /// </summary>
    public double[] Apply(ReadOnlySpan<double> vector)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"HessianOperator: a vector of {vector.Length} elements for {Dimension} parameter elements.", nameof(vector));
        var v = new T[vector.Length];
        for (int i = 0; i < v.Length; i++) v[i] = T.CreateChecked(vector[i]);
        var result = new double[vector.Length];
        foreach (var batch in _batches)
        {
            double weight = batch.Count / (double)_total;
            // The batch's graph and the product's tensors go back to the pool here: only the float64 sum is kept.
            using (TensorPool.BeginScope())
            using (GradMode.Set(true))
            {
                var product = new HessianVectorProduct<T>(batch.Loss(), _parameters).Apply(v);
                for (int i = 0; i < result.Length; i++) result[i] += weight * double.CreateChecked(product[i]);
            }
            Products++;
        }
        Passes++;
        return result;
    }

    /// <summary>The parameters' current values, flat (the point the Hessian is taken at).</summary>
    public double[] Point()
    {
        var flat = new double[Dimension];
        int at = 0;
        foreach (var p in _parameters)
            foreach (var x in p.Span) flat[at++] = double.CreateChecked(x);
        return flat;
    }
}
