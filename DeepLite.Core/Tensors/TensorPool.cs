using DeepLite.Kernels;

namespace DeepLite.Tensors;

/// <summary>
/// Reuses tensor memory across training steps. Inside a scope (<c>using (TensorPool.BeginScope()) { step }</c>),
/// the buffers of tensors created by operations come from a pool and go back to it when the scope ends, so a
/// steady training loop allocates no tensor memory after its first step.
/// </summary>
/// <remarks>
/// <para>
/// Tensors created inside a scope are valid only until it ends: read what you need (loss.Item(), accuracy)
/// inside, or <see cref="Tensor{T}.Clone"/> it. Reading or writing such a tensor after its scope ended throws
/// <see cref="InvalidOperationException"/> naming the op that made it and the scope; it never returns another
/// step's numbers. Parameters, their gradients, optimizer state and data loader buffers never come from the pool.
/// </para>
/// <para>
/// Memory follows what the steps use: a request takes the smallest free buffer that holds it if it needs at least
/// two thirds of it (a short last batch near full size reuses the full batch's buffers; a much shorter one gets
/// its own, freed again once unused); between steps a thread keeps at most
/// what its last 16 steps needed at their peak, freeing the least recently used buffers first, so a batch
/// shape or a model that is gone stops costing memory. <see cref="Trim"/> frees every idle buffer now;
/// <see cref="MaxIdleBytes"/> caps what is kept between steps. Scopes are per thread and may nest (an inner
/// scope returns its buffers at its own end).
/// </para>
/// </remarks>
public static class TensorPool
{
    [ThreadStatic] private static Scope? _current;

    /// <summary>Starts a scope on this thread; dispose it to return its buffers.</summary>
    public static Scope BeginScope() => _current = new Scope(_current);

    /// <summary>True when a scope is active on this thread.</summary>
    public static bool InScope => _current is not null;

    /// <summary>
    /// The most bytes of idle (free) buffers a thread keeps between outermost scopes; beyond it the least recently
    /// used are freed when a scope ends. The default, <see cref="long.MaxValue"/>, keeps what the recent steps needed
    /// (a steady loop then allocates nothing); a lower cap trades speed for memory (like PyTorch's
    /// <c>PYTORCH_CUDA_ALLOC_CONF</c> limits). Applies to every thread.
    /// </summary>
    public static long MaxIdleBytes
    {
        get => Volatile.Read(ref _maxIdleBytes);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _maxIdleBytes, value);
        }
    }
    private static long _maxIdleBytes = long.MaxValue;

    /// <summary>
    /// Frees every idle buffer of this thread's pool now, and the kernels' scratch buffers of every thread (like
    /// PyTorch's <c>torch.cuda.empty_cache()</c>); buffers in use stay, and a kernel running on another thread keeps
    /// the scratch buffer of its call.
    /// </summary>
    public static void Trim() => PoolState.Current.Trim();

    /// <summary>This thread's pool: bytes held, in use by open scopes, the in-use peak since <see cref="ResetPeak"/>, idle buffers.</summary>
    public static TensorPoolStatistics Statistics
    {
        get
        {
            var s = PoolState.Current;
            return new TensorPoolStatistics(s.HeldBytes, s.InUseBytes, s.PeakInUseBytes, s.IdleBuffers);
        }
    }

    /// <summary>Starts a new in-use peak for <see cref="TensorPoolStatistics.PeakInUseBytes"/> on this thread.</summary>
    public static void ResetPeak() => PoolState.Current.ResetPeak();

    /// <summary>
    /// An array of at least <paramref name="length"/> elements with its lease: from the pool inside a scope,
    /// else a fresh one (<see cref="BufferLease.Unpooled"/>). Its contents are unspecified.
    /// </summary>
    internal static (T[] Array, BufferLease Lease, long ScopeId) Rent<T>(int length) where T : unmanaged
    {
        var scope = _current;
        if (scope is null || length == 0) return (length == 0 ? [] : Allocation.Array<T>(length, "a tensor"), BufferLease.Unpooled, 0);
        var lease = scope.State.Rent<T>(length);
        lease.ScopeId = scope.Id;
        scope.Track(lease);
        return (lease.Array, lease, scope.Id);
    }

    /// <summary>A pooling scope; disposing it returns every buffer rented inside and invalidates their tensors.</summary>
    public sealed class Scope : IDisposable
    {
        // A scope's list of rented buffers is reused by the thread's next scope, so a steady loop does not grow a
        // fresh list (doubling to a few hundred entries) every step.
        [ThreadStatic] private static Stack<List<BufferLease>>? _spareLists;

        private readonly Scope? _parent;
        private readonly List<BufferLease> _rented;
        private bool _disposed;

        internal readonly long Id;
        internal readonly PoolState State;

        internal Scope(Scope? parent)
        {
            _parent = parent;
            State = PoolState.Current;
            Id = ++State.LastScopeId;
            _rented = _spareLists is { Count: > 0 } spare ? spare.Pop() : [];
        }

        internal void Track(BufferLease lease) => _rented.Add(lease);

        /// <summary>Returns the scope's buffers to the pool and restores the enclosing scope.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            if (!ReferenceEquals(_current, this))
                throw new InvalidOperationException($"TensorPool scope #{Id} was disposed while an inner scope is still open, or on another thread: dispose scopes in reverse order of creation, on the thread that began them.");
            _disposed = true;
            foreach (var lease in _rented) State.Return(lease);
            _rented.Clear();
            (_spareLists ??= new()).Push(_rented);
            _current = _parent;
            if (_parent is null) State.OutermostScopeEnded();
        }

        /// <inheritdoc/>
        public override string ToString() => $"TensorPool scope #{Id}";
    }
}

/// <summary>A thread's tensor pool at one moment (see <see cref="TensorPool.Statistics"/>).</summary>
/// <param name="HeldBytes">Bytes of every pooled buffer the thread keeps, in use or idle.</param>
/// <param name="InUseBytes">Bytes of the buffers rented by open scopes.</param>
/// <param name="PeakInUseBytes">The highest <paramref name="InUseBytes"/> since <see cref="TensorPool.ResetPeak"/>: the temporaries of the largest step.</param>
/// <param name="IdleBuffers">Free buffers waiting for reuse.</param>
public readonly record struct TensorPoolStatistics(long HeldBytes, long InUseBytes, long PeakInUseBytes, int IdleBuffers);
