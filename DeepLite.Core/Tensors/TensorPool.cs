using System.Numerics;

namespace DeepLite.Tensors;

/// <summary>
/// Reuses tensor memory across training steps. Inside a scope (<c>using (TensorPool.BeginScope()) { step }</c>),
/// the buffers of tensors created by operations come from a pool of exact-size arrays and go back to it
/// when the scope ends, so a steady training loop allocates no tensor memory after its first step.
/// </summary>
/// <remarks>
/// Tensors created inside a scope are valid only until it ends: read what you need (loss.Item(),
/// accuracy) inside. Parameters, their gradients and optimizer state never come from the pool. Scopes are
/// per thread and may nest (an inner scope returns its buffers at its own end).
/// </remarks>
public static class TensorPool
{
    [ThreadStatic] private static Scope? _current;

    /// <summary>Starts a scope on this thread; dispose it to return its buffers.</summary>
    public static Scope BeginScope() => _current = new Scope(_current);

    /// <summary>True when a scope is active on this thread.</summary>
    public static bool InScope => _current is not null;

    internal static T[] Rent<T>(int length) where T : unmanaged
    {
        if (_current is null || length == 0) return GC.AllocateUninitializedArray<T>(length);
        var array = Buckets<T>.Take(length) ?? GC.AllocateUninitializedArray<T>(length);
        _current.Track(array, static a => Buckets<T>.Return((T[])a));
        return array;
    }

    /// <summary>Free arrays by length, per element type and thread.</summary>
    private static class Buckets<T> where T : unmanaged
    {
        [ThreadStatic] private static Dictionary<int, Stack<T[]>>? _free;

        public static T[]? Take(int length) =>
            _free is not null && _free.TryGetValue(length, out var stack) && stack.Count > 0 ? stack.Pop() : null;

        public static void Return(T[] array)
        {
            _free ??= [];
            if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<T[]>();
            stack.Push(array);
        }
    }

    /// <summary>A pooling scope; disposing it returns every buffer rented inside.</summary>
    public sealed class Scope : IDisposable
    {
        // A scope's list of rented buffers is reused by the thread's next scope: grown afresh each step, it
        // was a few KB of a step's allocations (the list doubling to a few hundred entries).
        [ThreadStatic] private static Stack<List<(Array Array, Action<Array> Return)>>? _spareLists;

        private readonly Scope? _parent;
        private readonly List<(Array Array, Action<Array> Return)> _rented;
        private bool _disposed;

        internal Scope(Scope? parent)
        {
            _parent = parent;
            _rented = _spareLists is { Count: > 0 } spare ? spare.Pop() : [];
        }

        internal void Track(Array array, Action<Array> giveBack) => _rented.Add((array, giveBack));

        /// <summary>Returns the scope's buffers to the pool and restores the enclosing scope.</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var (array, giveBack) in _rented) giveBack(array);
            _rented.Clear();
            (_spareLists ??= new()).Push(_rented);
            _current = _parent;
        }
    }
}
