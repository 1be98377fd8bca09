using System.Runtime.CompilerServices;
using DeepLite.Kernels;

namespace DeepLite.Tensors;

/// <summary>
/// One thread's pooled memory: free arrays by element type, and the byte counts that bound them.
/// </summary>
/// <remarks>
/// Invariants: <see cref="HeldBytes"/> is the size of every pooled array this thread keeps (free or rented);
/// <see cref="InUseBytes"/> of those rented by open scopes. Between steps the pool keeps at most what the
/// recent steps needed at their peak (<see cref="RecentPeak"/>), so a batch shape or a model that is gone
/// stops costing memory after a few steps, and a step that needs new memory first frees idle arrays beyond
/// what any recent step needed.
/// </remarks>
internal sealed class PoolState
{
    [ThreadStatic] private static PoolState? _current;

    public static PoolState Current => _current ??= new PoolState();

    /// <summary>How many ended outermost scopes the high-water mark looks back over.</summary>
    private const int Window = 16;

    /// <summary>Evicted bytes after which the pool asks the GC to collect, so that the memory is actually given back.</summary>
    private const long CollectAfterBytes = 256L << 20;

    private readonly FreeList<float> _floats = new();
    private readonly FreeList<double> _doubles = new();
    private readonly FreeList<int> _ints = new();
    private readonly long[] _recentPeaks = new long[Window];
    private long _evictedSinceCollect;

    public long HeldBytes;
    public long InUseBytes;
    /// <summary>The highest <see cref="InUseBytes"/> since the current outermost scope began.</summary>
    public long ScopePeak;
    /// <summary>The highest <see cref="InUseBytes"/> since the last <see cref="TensorPool.ResetPeak"/> (the current scope's peak is folded in when it ends).</summary>
    private long _peakInUseBytes;

    /// <summary>Outermost scopes ended on this thread.</summary>
    public long ScopesEnded;
    /// <summary>The id of the thread's last scope: ids only need to differ among the scopes that rent one thread's arrays.</summary>
    public long LastScopeId;

    /// <summary>The highest <see cref="InUseBytes"/> since the last <see cref="ResetPeak"/>.</summary>
    public long PeakInUseBytes => Math.Max(_peakInUseBytes, ScopePeak);

    /// <summary>Starts a new peak from what is in use now.</summary>
    public void ResetPeak()
    {
        _peakInUseBytes = InUseBytes;
        ScopePeak = InUseBytes;
    }

    /// <summary>The largest in-use peak of the last <see cref="Window"/> outermost scopes (the current one included).</summary>
    public long RecentPeak
    {
        get
        {
            long peak = ScopePeak;
            foreach (var p in _recentPeaks) peak = Math.Max(peak, p);
            return peak;
        }
    }

    public int IdleBuffers => _floats.Count + _doubles.Count + _ints.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public FreeList<T> List<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Unsafe.As<FreeList<T>>(_floats);
        if (typeof(T) == typeof(double)) return Unsafe.As<FreeList<T>>(_doubles);
        if (typeof(T) == typeof(int)) return Unsafe.As<FreeList<T>>(_ints);
        throw new NotSupportedException($"The tensor pool holds float, double and int arrays, not {typeof(T).Name}.");
    }

    /// <summary>A free array of at least <paramref name="length"/> elements, or a new one; counted as in use.</summary>
    public BufferLease<T> Rent<T>(int length) where T : unmanaged
    {
        var lease = List<T>().Take(length);
        lease ??= Allocate<T>(length);
        InUseBytes += lease.Bytes;
        if (InUseBytes > ScopePeak) ScopePeak = InUseBytes;
        return lease;
    }

    /// <summary>A new array for <see cref="Rent{T}"/>, held by the pool; out of line, as the steady state never allocates.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private BufferLease<T> Allocate<T>(int length) where T : unmanaged
    {
        long bytes = (long)length * Unsafe.SizeOf<T>();
        // Hold no more than the recent steps needed, or than this one needs now: a larger or new shape
        // first frees what the old ones left idle.
        long budget = Math.Max(RecentPeak, InUseBytes + bytes);
        if (HeldBytes + bytes > budget) Evict(HeldBytes + bytes - budget);
        var lease = new BufferLease<T>(Allocation.Array<T>(length, "a tensor",
            context: () => $"This step's tensors take {InUseBytes / 1048576.0:F1} MB (its peak so far {ScopePeak / 1048576.0:F1} MB), the pool holds {HeldBytes / 1048576.0:F1} MB."));
        HeldBytes += lease.Bytes;
        return lease;
    }

    /// <summary>Takes a returned array back (its scope ended).</summary>
    public void Return(BufferLease lease)
    {
        lease.ScopeId = 0;
        lease.LastUsed = ScopesEnded;
        InUseBytes -= lease.Bytes;
        lease.Return(this);
    }

    /// <summary>Called when an outermost scope ends: records its peak and frees idle arrays beyond the recent needs.</summary>
    public void OutermostScopeEnded()
    {
        _recentPeaks[ScopesEnded % Window] = ScopePeak;
        _peakInUseBytes = Math.Max(_peakInUseBytes, ScopePeak);
        ScopesEnded++;
        ScopePeak = InUseBytes;
        long keep = InUseBytes + Math.Min(RecentPeak, TensorPool.MaxIdleBytes); // no overflow at the default long.MaxValue
        if (HeldBytes > keep) Evict(HeldBytes - keep);
    }

    /// <summary>Frees every idle array, and the kernels' scratch buffers.</summary>
    public void Trim()
    {
        _evictedSinceCollect += Kernels.Workspace.Release();
        Evict(long.MaxValue);
        Array.Clear(_recentPeaks);
        ScopePeak = InUseBytes;
    }

    /// <summary>Frees idle arrays, least recently used first, until <paramref name="bytes"/> are freed or none is left.</summary>
    private void Evict(long bytes)
    {
        long freed = 0;
        while (freed < bytes)
        {
            // The least recently returned array over the three lists (a few dozen entries; eviction is rare).
            long oldest = long.MaxValue;
            IFreeList? from = null;
            foreach (IFreeList list in (ReadOnlySpan<IFreeList>)[_floats, _doubles, _ints])
                if (list.Count > 0 && list.OldestUse < oldest) { oldest = list.OldestUse; from = list; }
            if (from is null) break;
            freed += from.EvictOldest();
        }
        HeldBytes -= freed;
        _evictedSinceCollect += freed;
        if (_evictedSinceCollect >= CollectAfterBytes)
        {
            // Dropped arrays of hundreds of megabytes are garbage only once the GC has run, and their pages stay
            // resident until it decommits them: without an aggressive collection the next shape's arrays come on
            // top of them, and resident memory runs far above what the pool holds (benchmarks/README.md).
            _evictedSinceCollect = 0;
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    internal interface IFreeList
    {
        int Count { get; }
        long OldestUse { get; }
        long EvictOldest();
    }

    /// <summary>Free arrays of one element type by length, with the lengths sorted for best fit.</summary>
    /// <remarks>
    /// A steady step asks for the lengths it returned, so an exact length is a lookup and a pop (by index below
    /// <see cref="Direct"/>, by hash above); only other lengths search the sorted lengths, so the small nets' steps,
    /// a few dozen tensors each, pay for best fit only when a shape changes. A length whose arrays are all taken
    /// keeps its empty list, so steady steps move nothing; eviction drops emptied lengths.
    /// </remarks>
    internal sealed class FreeList<T> : IFreeList where T : unmanaged
    {
        /// <summary>Lengths below this are found by index, not by hash: a small net's step rents a few dozen such tensors, each hashed twice.</summary>
        private const int Direct = 1024;

        private readonly List<BufferLease<T>>?[] _direct = new List<BufferLease<T>>?[Direct];
        private readonly Dictionary<int, List<BufferLease<T>>> _byLength = [];
        private int[] _lengths = new int[16];
        private int _distinct;

        public int Count { get; private set; }

        public long OldestUse
        {
            get
            {
                long oldest = long.MaxValue;
                foreach (var list in _byLength.Values)
                    foreach (var lease in list) oldest = Math.Min(oldest, lease.LastUsed);
                return oldest;
            }
        }

        /// <summary>
        /// A free array serves requests down to two thirds of its length. A looser fit lets a step keep arrays far
        /// larger than it asks for: after an evaluation at twice the batch size, training steps took the
        /// evaluation's arrays and allocated their own as well, holding half as much again as they needed.
        /// </summary>
        private static bool Fits(int found, int length) => found - length <= length / 2;

        /// <summary>A free array of exactly <paramref name="length"/> elements (the most recently returned), else the smallest larger one that fits.</summary>
        public BufferLease<T>? Take(int length)
        {
            if ((uint)length < Direct ? _direct[length] is { Count: > 0 } exact : _byLength.TryGetValue(length, out exact) && exact.Count > 0) return Pop(exact);
            for (int i = LowerBound(length + 1); i < _distinct && Fits(_lengths[i], length); i++)
                if (_byLength[_lengths[i]] is { Count: > 0 } larger) return Pop(larger);
            return null;
        }

        private BufferLease<T> Pop(List<BufferLease<T>> list)
        {
            var lease = list[^1];
            list.RemoveAt(list.Count - 1);
            Count--;
            return lease;
        }

        public void Add(BufferLease<T> lease)
        {
            int length = lease.Array.Length;
            var list = length < Direct ? _direct[length] : _byLength.GetValueOrDefault(length);
            if (list is null)
            {
                _byLength[length] = list = [];
                if (length < Direct) _direct[length] = list;
                int at = LowerBound(length);
                if (_distinct == _lengths.Length) Array.Resize(ref _lengths, 2 * _distinct);
                Array.Copy(_lengths, at, _lengths, at + 1, _distinct - at);
                _lengths[at] = length;
                _distinct++;
            }
            list.Add(lease);
            Count++;
        }

        public long EvictOldest()
        {
            List<BufferLease<T>>? from = null;
            int at = -1;
            foreach (var list in _byLength.Values)
                for (int i = 0; i < list.Count; i++)
                    if (from is null || list[i].LastUsed < from[at].LastUsed || (list[i].LastUsed == from[at].LastUsed && list[i].Array.Length > from[at].Array.Length))
                        (from, at) = (list, i);
            var lease = from![at];
            from.RemoveAt(at);
            Count--;
            if (from.Count == 0) Forget(lease.Array.Length);
            return lease.Bytes;
        }

        private void Forget(int length)
        {
            _byLength.Remove(length);
            if (length < Direct) _direct[length] = null;
            int at = LowerBound(length);
            Array.Copy(_lengths, at + 1, _lengths, at, _distinct - at - 1);
            _distinct--;
        }

        /// <summary>The first index of the sorted lengths that is at least <paramref name="length"/>.</summary>
        private int LowerBound(int length)
        {
            int lo = 0, hi = _distinct;
            var lengths = _lengths;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (lengths[mid] < length) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }
}
