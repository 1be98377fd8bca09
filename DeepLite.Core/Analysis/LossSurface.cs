using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// Loss-landscape plots of Li et al. (2018, "Visualizing the Loss Landscape of Neural Nets"; their repository
/// tomgoldstein/loss-landscape): the loss (or accuracy) at θ + α δ along one random direction δ, or at θ + α δ + β η on
/// a plane of two, where each direction is <see cref="FilterNormalizedDirection{T}"/>: a Gaussian draw scaled filter by
/// filter to the norms of the weights, so that the scale-invariance of ReLU nets does not distort the picture and
/// surfaces of different nets are comparable.
/// </summary>
public static class LossSurface
{
    /// <summary>
    /// A random direction in parameter space, one array per parameter, filter-normalized as Li et al.'s
    /// <c>normalize_directions_for_weights(..., norm='filter', ignore='biasbn')</c>: for a weight of two or more
    /// dimensions, each slice along the first (a convolution's output filter, a dense layer's output neuron, PyTorch's
    /// layout as DeepLite's) is drawn from N(0, 1) and scaled to the norm of the same slice of the weight; a
    /// one-dimensional parameter (a bias, BatchNorm's scale and shift) gets zero, so the plot does not move it
    /// (<paramref name="moveBiasAndNormalization"/> true copies the parameter instead, their <c>ignore=''</c>).
    /// </summary>
    public static T[][] FilterNormalizedDirection<T>(IReadOnlyList<Tensor<T>> parameters, SeededRandom random, bool moveBiasAndNormalization = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(random);
        var direction = new T[parameters.Count][];
        for (int p = 0; p < parameters.Count; p++)
        {
            var weight = parameters[p].ToArray();
            var d = new T[weight.Length];
            if (parameters[p].Shape.Rank <= 1)
            {
                if (moveBiasAndNormalization) weight.CopyTo(d, 0);
                direction[p] = d;
                continue;
            }
            int filters = parameters[p].Shape[0], size = weight.Length / filters;
            for (int f = 0; f < filters; f++)
            {
                double dNorm = 0, wNorm = 0;
                var draw = new double[size];
                for (int i = 0; i < size; i++)
                {
                    draw[i] = random.Normal();
                    dNorm += draw[i] * draw[i];
                    double w = double.CreateChecked(weight[f * size + i]);
                    wNorm += w * w;
                }
                // As their code: d · ‖w‖ / (‖d‖ + 1e-10).
                double scale = Math.Sqrt(wNorm) / (Math.Sqrt(dNorm) + 1e-10);
                for (int i = 0; i < size; i++) d[f * size + i] = T.CreateChecked(draw[i] * scale);
            }
            direction[p] = d;
        }
        return direction;
    }

    /// <summary>
    /// Sets <paramref name="parameters"/> to θ + α δ for each α of <paramref name="alphas"/> and calls
    /// <paramref name="evaluate"/> there (a 1-D slice); θ is restored afterwards, also when evaluate throws.
    /// </summary>
    public static List<(double Alpha, TResult Result)> Line<T, TResult>(IReadOnlyList<Tensor<T>> parameters, IReadOnlyList<T[]> direction,
        IEnumerable<double> alphas, Func<TResult> evaluate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(evaluate);
        Check(parameters, direction, "the direction");
        var results = new List<(double, TResult)>();
        Around(parameters, theta =>
        {
            foreach (var alpha in alphas)
            {
                Move(parameters, theta, direction, alpha, null, 0);
                results.Add((alpha, evaluate()));
            }
        });
        return results;
    }

    /// <summary>
    /// Sets <paramref name="parameters"/> to θ + α δ + β η for each α of <paramref name="alphas"/> and β of
    /// <paramref name="betas"/> and calls <paramref name="evaluate"/> there: result [i, j] is at (αᵢ, βⱼ), a 2-D surface
    /// for a contour plot. θ is restored afterwards.
    /// </summary>
    public static TResult[,] Plane<T, TResult>(IReadOnlyList<Tensor<T>> parameters, IReadOnlyList<T[]> delta, IReadOnlyList<T[]> eta,
        IReadOnlyList<double> alphas, IReadOnlyList<double> betas, Func<TResult> evaluate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(betas);
        ArgumentNullException.ThrowIfNull(evaluate);
        Check(parameters, delta, "the first direction");
        Check(parameters, eta, "the second direction");
        var results = new TResult[alphas.Count, betas.Count];
        Around(parameters, theta =>
        {
            for (int i = 0; i < alphas.Count; i++)
                for (int j = 0; j < betas.Count; j++)
                {
                    Move(parameters, theta, delta, alphas[i], eta, betas[j]);
                    results[i, j] = evaluate();
                }
        });
        return results;
    }

    private static void Check<T>(IReadOnlyList<Tensor<T>> parameters, IReadOnlyList<T[]> direction, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(direction);
        if (direction.Count != parameters.Count)
            throw new ArgumentException($"LossSurface: {what} has {direction.Count} arrays for {parameters.Count} parameters.");
        for (int p = 0; p < parameters.Count; p++)
            if (direction[p].Length != parameters[p].Size)
                throw new ArgumentException($"LossSurface: {what}'s array {p} has {direction[p].Length} values; parameter {p} of shape {parameters[p].Shape} has {parameters[p].Size}.");
    }

    /// <summary>Runs <paramref name="body"/> with θ saved, and puts θ back whatever happens.</summary>
    private static void Around<T>(IReadOnlyList<Tensor<T>> parameters, Action<T[][]> body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var theta = parameters.Select(p => p.ToArray()).ToArray();
        try { body(theta); }
        finally { for (int p = 0; p < parameters.Count; p++) theta[p].CopyTo(parameters[p].Span); }
    }

    private static void Move<T>(IReadOnlyList<Tensor<T>> parameters, T[][] theta, IReadOnlyList<T[]> delta, double alpha, IReadOnlyList<T[]>? eta, double beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.CreateChecked(alpha), b = T.CreateChecked(beta);
        for (int p = 0; p < parameters.Count; p++)
        {
            var span = parameters[p].Span;
            var d = delta[p];
            for (int i = 0; i < span.Length; i++) span[i] = theta[p][i] + a * d[i] + (eta is null ? T.Zero : b * eta[p][i]);
        }
    }
}
