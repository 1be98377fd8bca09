using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Autograd;

/// <summary>
/// Exact Hessian-vector products by double backward (Pearlmutter's trick): the gradient g(θ) is computed
/// once with its graph recorded, and H v = ∇θ (g · v) is one more backward pass per vector. Build it once
/// and call <see cref="Apply"/> for many vectors (e.g. one per Hessian column).
/// </summary>
public sealed class HessianVectorProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] _gradients;
    private readonly IReadOnlyList<Tensor<T>> _parameters;

    /// <summary>Records the gradient of <paramref name="loss"/> (a scalar) with respect to <paramref name="parameters"/>.</summary>
    public HessianVectorProduct(Tensor<T> loss, IReadOnlyList<Tensor<T>> parameters)
    {
        _parameters = parameters;
        _gradients = AutoDiff.Grad(loss, parameters, createGraph: true);
    }

    /// <summary>The gradient of the loss (differentiable; call Detach() before storing it).</summary>
    public IReadOnlyList<Tensor<T>> Gradient => _gradients;

    /// <summary>H v, one tensor per parameter, for <paramref name="vector"/> given as one tensor per parameter.</summary>
    public Tensor<T>[] Apply(IReadOnlyList<Tensor<T>> vector)
    {
        if (vector.Count != _parameters.Count)
            throw new ArgumentException($"HessianVectorProduct: {vector.Count} vector parts for {_parameters.Count} parameters.");
        Tensor<T>? dot = null;
        for (int i = 0; i < vector.Count; i++)
        {
            if (vector[i].Shape != _parameters[i].Shape)
                throw new ArgumentException($"HessianVectorProduct: vector part {i} has shape {vector[i].Shape}, parameter {i} has shape {_parameters[i].Shape}.");
            var term = (_gradients[i] * vector[i]).Sum();
            dot = dot is null ? term : dot + term;
        }
        // A gradient that does not depend on the parameters (a loss linear in them) has a zero Hessian.
        if (dot is null || !dot.RequiresGrad)
            return _parameters.Select(p => new Tensor<T>(p.Shape)).ToArray();
        return AutoDiff.Grad(dot, _parameters, retainGraph: true);
    }
}
