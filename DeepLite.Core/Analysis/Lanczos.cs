using MathNet.Numerics.LinearAlgebra;
using DeepLite.Tensors;

namespace DeepLite.Analysis;

/// <summary>
/// The Lanczos iteration on a symmetric operator, with full reorthogonalization (each new vector is made orthogonal to
/// every earlier one, twice: in floating point the plain three-term recurrence loses orthogonality and repeats
/// eigenvalues). After j steps from a unit vector q₁, Qⱼᵀ H Qⱼ = Tⱼ, tridiagonal with diagonal α and off-diagonal β;
/// Tⱼ's eigenvalues (Ritz values) approach H's extreme eigenvalues first, and the squared first components of its
/// eigenvectors are the weights of the Gauss quadrature q₁ᵀ f(H) q₁ ≈ Σ wᵢ f(θᵢ) that stochastic Lanczos quadrature uses.
/// Memory: the basis, steps × dimension float64.
/// </summary>
internal sealed class Lanczos
{
    private readonly Func<double[], double[]> _apply;
    private readonly List<double[]> _basis = [];
    private readonly List<double> _alpha = [], _beta = [];
    private double[] _residual;

    /// <summary>Starts from <paramref name="start"/> (normalized here).</summary>
    public Lanczos(Func<double[], double[]> apply, double[] start)
    {
        _apply = apply;
        double norm = Norm(start);
        if (!(norm > 0) || !double.IsFinite(norm)) throw new ArgumentException("Lanczos: the start vector is zero or not finite.");
        _residual = start.Select(x => x / norm).ToArray();
    }

    /// <summary>The steps made (the size of T).</summary>
    public int Steps => _alpha.Count;

    /// <summary>The basis vectors q₁..qⱼ.</summary>
    public IReadOnlyList<double[]> Basis => _basis;

    /// <summary>Whether the last step found an invariant subspace (β = 0): T's eigenvalues are then eigenvalues of H exactly.</summary>
    public bool Exhausted { get; private set; }

    /// <summary>
    /// One step: the next basis vector (the residual normalized; a fresh random direction orthogonal to the basis after an
    /// invariant subspace), its product, α and the next β. Returns false when the basis spans the whole space.
    /// </summary>
    public bool Step(SeededRandom random)
    {
        int n = _residual.Length;
        if (_basis.Count == n) return false;
        double beta = _basis.Count == 0 ? 1 : _beta[^1]; // the first step's residual is the unit start vector
        double[] q;
        if (_basis.Count > 0 && beta <= 1e-12 * Math.Max(1, MaxAbsAlpha()))
        {
            // An invariant subspace: restart from a random vector orthogonal to it (β stays 0 there: T is block diagonal).
            Exhausted = true;
            q = new double[n];
            for (int i = 0; i < n; i++) q[i] = random.Normal();
            Orthogonalize(q);
            Orthogonalize(q);
            double norm = Norm(q);
            if (!(norm > 0)) return false;
            for (int i = 0; i < n; i++) q[i] /= norm;
            _beta[^1] = 0;
        }
        else
        {
            q = new double[n];
            for (int i = 0; i < n; i++) q[i] = _residual[i] / beta;
        }
        _basis.Add(q);
        var w = _apply(q);
        if (w.Length != n) throw new InvalidOperationException($"Lanczos: the operator returned {w.Length} values for {n}.");
        double alpha = Dot(w, q);
        if (!double.IsFinite(alpha)) throw new ArithmeticException($"Lanczos: the Hessian-vector product at step {_basis.Count} is not finite (α = {alpha}).");
        _alpha.Add(alpha);
        // Full reorthogonalization, twice ("twice is enough", Parlett): removes α q and β q_prev and the drift.
        Orthogonalize(w);
        Orthogonalize(w);
        _residual = w;
        _beta.Add(Norm(w));
        return true;
    }

    private double MaxAbsAlpha() => _alpha.Count == 0 ? 0 : _alpha.Max(Math.Abs);

    private void Orthogonalize(double[] w)
    {
        foreach (var q in _basis)
        {
            double c = Dot(w, q);
            for (int i = 0; i < w.Length; i++) w[i] -= c * q[i];
        }
    }

    /// <summary>
    /// The Ritz pairs of the current T: eigenvalues ascending, the eigenvectors of T (columns) and, per pair, the residual
    /// bound ‖H y − θ y‖ = β_j |s_j| of its Ritz vector y = Q s.
    /// </summary>
    public (double[] Values, Matrix<double> Vectors, double[] Residuals) Ritz()
    {
        int m = _alpha.Count;
        var t = Matrix<double>.Build.Dense(m, m);
        for (int i = 0; i < m; i++)
        {
            t[i, i] = _alpha[i];
            if (i + 1 < m) t[i, i + 1] = t[i + 1, i] = _beta[i];
        }
        var evd = t.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, m).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        var values = order.Select(i => evd.EigenValues[i].Real).ToArray();
        var vectors = Matrix<double>.Build.Dense(m, m, (r, c) => evd.EigenVectors[r, order[c]]);
        double last = _beta[^1];
        var residuals = Enumerable.Range(0, m).Select(c => Math.Abs(last * vectors[m - 1, c])).ToArray();
        return (values, vectors, residuals);
    }

    /// <summary>The Ritz vector Q s of T's eigenvector <paramref name="column"/>.</summary>
    public double[] RitzVector(Matrix<double> vectors, int column)
    {
        var y = new double[_residual.Length];
        for (int j = 0; j < _basis.Count; j++)
        {
            double s = vectors[j, column];
            var q = _basis[j];
            for (int i = 0; i < y.Length; i++) y[i] += s * q[i];
        }
        return y;
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    internal static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
