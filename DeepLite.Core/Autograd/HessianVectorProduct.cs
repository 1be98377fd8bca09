using System.Numerics;
using DeepLite.Tensors;

namespace DeepLite.Autograd;

/// <summary>
/// Exact Hessian-vector products by double backward (Pearlmutter's trick): the gradient g(θ) is computed
/// once with its graph recorded, and H v = ∇θ (g · v) is one more backward pass per vector. Build it once
/// and call <see cref="Apply(IReadOnlyList{Tensor{T}})"/> for many vectors (e.g. one per Hessian column).
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

    /// <summary>The number of parameter elements: the length of a flat vector.</summary>
    public int Dimension => _parameters.Sum(p => p.Size);

    /// <summary>
    /// H v for a flat <paramref name="vector"/> (the parameters' elements in order, each row-major, as
    /// <c>torch.nn.utils.parameters_to_vector</c> lays them out), returned flat the same way.
    /// </summary>
    public T[] Apply(ReadOnlySpan<T> vector)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"HessianVectorProduct: a flat vector of {vector.Length} elements for {Dimension} parameter elements.");
        var parts = new Tensor<T>[_parameters.Count];
        for (int i = 0, at = 0; i < parts.Length; at += _parameters[i].Size, i++)
            parts[i] = Tensor<T>.FromSpan(vector.Slice(at, _parameters[i].Size), _parameters[i].Shape);
        var product = Apply(parts);
        var flat = new T[vector.Length];
        for (int i = 0, at = 0; i < product.Length; at += product[i].Size, i++) product[i].Span.CopyTo(flat.AsSpan(at));
        return flat;
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
