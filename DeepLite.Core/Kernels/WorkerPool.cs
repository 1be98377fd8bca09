using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.CompilerServices;

namespace DeepLite.Kernels;

/// <summary>
/// Persistent worker threads for data-parallel kernels. Waking a thread-pool thread costs a millisecond
/// or more on a small VM, as much as a whole mid-sized GEMM; these workers spin briefly after each job,
/// so the back-to-back kernels of a training step find them awake.
/// </summary>
internal static class WorkerPool
{
    private const double SpinMicroseconds = 300;
    private static readonly Worker[] Workers = CreateWorkers();
    private static int _busy;

    /// <summary>The number of shares <see cref="Run"/> can execute at once (the calling thread included).</summary>
    public static int MaxParallelism => Math.Min(Workers.Length + 1, Parallelism.MaxThreads);

    private static Worker[] CreateWorkers()
    {
        var workers = new Worker[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int i = 0; i < workers.Length; i++) workers[i] = new Worker(i);
        return workers;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(0..shares-1), every share exactly once, share 0 on the calling thread.
    /// When the workers are taken (another thread is inside Run, or this is a nested call), or there are
    /// more shares than threads (<see cref="Parallelism.MaxThreads"/> lowered since the caller split its
    /// work), the shares run one after another here, which gives the same result for kernels whose shares
    /// write disjoint outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int shares, Action<int> body)
    {
        // Never drop shares: the caller has already split its range into this many.
        if (shares <= 1 || shares > MaxParallelism || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int s = 0; s < shares; s++) body(s);
            return;
        }
        try
        {
            for (int s = 1; s < shares; s++) Workers[s - 1].Start(body, s);
            Exception? first = null;
            try { body(0); } catch (Exception e) { first = e; }
            for (int s = 1; s < shares; s++)
            {
                var error = Workers[s - 1].Join();
                first ??= error;
            }
            if (first is not null) ExceptionDispatchInfo.Capture(first).Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Splits [0, count) into one contiguous range per available thread and runs <paramref name="body"/>(start, end)
    /// on each; the split is computed once, so every range is covered exactly once.
    /// </summary>
    public static void For(int count, Action<int, int> body) => For(count, new DelegateRange(body));

    /// <summary>A delegate as a range body: <see cref="For(int, Action{int, int})"/> shares the struct form's per-thread split.</summary>
    private readonly struct DelegateRange(Action<int, int> body) : IRange
    {
        public void Run(int start, int end) => body(start, end);
    }

    /// <summary>
    /// Share <paramref name="share"/> of <paramref name="shares"/> of [0, <paramref name="length"/>) for
    /// elementwise work: edges on multiples of 64 elements keep vector loops whole and cache lines unshared;
    /// the last share takes the rest.
    /// </summary>
    private static (int Start, int End) AlignedShare(int length, int share, int shares) =>
        ((int)((long)length * share / shares) & ~63, share == shares - 1 ? length : (int)((long)length * (share + 1) / shares) & ~63);

    /// <summary>
    /// Elementwise work over [0, <paramref name="length"/>): on the calling thread in one piece below
    /// <paramref name="threshold"/> elements (see <see cref="SplitThresholds"/>), else one share per thread, the
    /// shares' edges on multiples of 64 elements. <paramref name="body"/> must write only its own range.
    /// </summary>
    public static void ForElements<TBody>(int length, int threshold, in TBody body) where TBody : struct, IRange
    {
        if (length < threshold || MaxParallelism <= 1) { body.Run(0, length); return; }
        int shares = MaxParallelism;
        For(shares, new AlignedShares<TBody>(length, shares, body));
    }

    /// <summary>Shares s0..s1 - 1 of [0, length) on 64-element edges, as a struct body (no closure per call).</summary>
    private readonly struct AlignedShares<TBody>(int length, int shares, TBody body) : IRange where TBody : struct, IRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int s0, int s1)
        {
            for (int share = s0; share < s1; share++)
            {
                var (start, end) = AlignedShare(length, share, shares);
                body.Run(start, end);
            }
        }
    }

    /// <summary>A kernel's loop over [start, end), as a struct for <see cref="For{TBody}"/>.</summary>
    internal interface IRange
    {
        void Run(int start, int end);
    }

    /// <summary>
    /// <see cref="For(int, Action{int, int})"/> with the body a struct, kept in a per-thread holder while the
    /// shares run: no closure or delegate per call (the Winograd passes run per chunk of samples, dozens of
    /// times a training step). The holder's delegate is made once; Run returns only when every share is
    /// done, so it is free again by this thread's next call, and a For nested in one of this thread's
    /// shares, whose holder is still in use, gets a new one.
    /// </summary>
    public static void For<TBody>(int count, in TBody body, int maxShares = int.MaxValue) where TBody : struct, IRange
    {
        int shares = Math.Min(Math.Min(count, MaxParallelism), maxShares);
        if (shares <= 1) { body.Run(0, count); return; }
        var split = RangeSplit<TBody>.ForThisThread;
        if (split.InUse) split = RangeSplit<TBody>.Create(); // nested in one of this thread's shares
        (split.Body, split.Count, split.Shares, split.InUse) = (body, count, shares, true);
        try { Run(shares, split.Share); }
        finally { (split.Body, split.InUse) = (default, false); }
    }

    private sealed class RangeSplit<TBody> where TBody : struct, IRange
    {
        [ThreadStatic] private static RangeSplit<TBody>? _forThisThread;

        public static RangeSplit<TBody> ForThisThread => _forThisThread ??= new RangeSplit<TBody>();

        public static RangeSplit<TBody> Create() => new();

        public TBody Body;
        public int Count, Shares;
        public bool InUse;
        public readonly Action<int> Share;

        private RangeSplit() => Share = Run;

        private void Run(int share)
        {
            int count = Count, shares = Shares;
            Body.Run((int)((long)count * share / shares), (int)((long)count * (share + 1) / shares));
        }
    }

    private sealed class Worker
    {
        private readonly ManualResetEventSlim _wake = new(false);
        private Action<int>? _body;
        private int _share;
        private volatile bool _pending, _done;
        private Exception? _error;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"DeepLite worker {index + 1}" };
            thread.Start();
        }

        public void Start(Action<int> body, int share)
        {
            _body = body; _share = share; _error = null; _done = false;
            _pending = true;
            _wake.Set();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public Exception? Join()
        {
            var spin = new SpinWait();
            while (!_done) spin.SpinOnce(sleep1Threshold: -1);
            return _error;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Loop()
        {
            while (true)
            {
                // Spin a little before sleeping: the next kernel usually follows within microseconds.
                long until = Stopwatch.GetTimestamp() + (long)(SpinMicroseconds * Stopwatch.Frequency / 1e6);
                while (!_pending && Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
                if (!_pending)
                {
                    _wake.Wait();
                }
                _wake.Reset();
                if (!_pending) continue;
                _pending = false;
                try { _body!(_share); }
                catch (Exception e) { _error = e; }
                _body = null;
                _done = true;
            }
        }
    }
}
