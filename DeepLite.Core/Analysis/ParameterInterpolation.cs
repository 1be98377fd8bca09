using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// Evaluates a model along the line θ(α) = (1 - α) θ1 + α θ2 between (and beyond) two parameter vectors.
/// </summary>
public static class ParameterInterpolation
{
    /// <summary>
    /// Sets <paramref name="parameters"/> to θ(α) for each α and calls <paramref name="evaluate"/>; the
    /// parameters are restored afterwards. θ1 and θ2 hold one array per parameter tensor.
    /// </summary>
    public static List<(double Alpha, TResult Result)> Run<T, TResult>(IReadOnlyList<Tensor<T>> parameters, IReadOnlyList<T[]> theta1, IReadOnlyList<T[]> theta2,
        IEnumerable<double> alphas, Func<TResult> evaluate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (theta1.Count != parameters.Count || theta2.Count != parameters.Count)
            throw new ArgumentException($"Interpolation: {theta1.Count} and {theta2.Count} parameter arrays for {parameters.Count} tensors.");
        for (int i = 0; i < parameters.Count; i++)
            if (theta1[i].Length != parameters[i].Size || theta2[i].Length != parameters[i].Size)
                throw new ArgumentException($"Interpolation: parameter {i} has {parameters[i].Size} values, the endpoints {theta1[i].Length} and {theta2[i].Length}.");
        var saved = parameters.Select(p => p.ToArray()).ToArray();
        var results = new List<(double, TResult)>();
        try
        {
            foreach (var alpha in alphas)
            {
                T a = T.CreateChecked(alpha), b = T.One - a;
                for (int i = 0; i < parameters.Count; i++)
                {
                    var span = parameters[i].Span;
                    for (int j = 0; j < span.Length; j++) span[j] = b * theta1[i][j] + a * theta2[i][j];
                }
                results.Add((alpha, evaluate()));
            }
        }
        finally
        {
            for (int i = 0; i < parameters.Count; i++) saved[i].CopyTo(parameters[i].Span);
        }
        return results;
    }
}
