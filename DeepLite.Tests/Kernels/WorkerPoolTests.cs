using DeepLite.Kernels;

namespace DeepLite.Tests.Kernels;

[Collection(nameof(ProcessWideSettings))]
public class WorkerPoolTests
{
    [Fact]
    public void EveryShareRunsOnceEvenWhenTheThreadLimitDropsAfterTheSplit()
    {
        int previous = Parallelism.MaxThreads;
        try
        {
            // A caller split its work for two threads; then the limit went to one (another thread set it).
            Parallelism.MaxThreads = 1;
            var ran = new int[2];
            WorkerPool.Run(2, share => Interlocked.Increment(ref ran[share]));
            Assert.Equal([1, 1], ran);

            Parallelism.MaxThreads = Environment.ProcessorCount;
            var ranges = new List<(int, int)>();
            WorkerPool.For(1000, (a, b) => { lock (ranges) ranges.Add((a, b)); });
            Assert.Equal(1000, ranges.Sum(r => r.Item2 - r.Item1));
        }
        finally { Parallelism.MaxThreads = previous; }
    }

    /// <summary>
    /// For keeps its split in a per-thread object: a For nested in a share (on the calling thread, while a
    /// worker may still be reading the outer split) must not disturb it, and back-to-back calls reuse it.
    /// </summary>
    [Fact]
    public void NestedAndRepeatedForCoverEveryIndexOnce()
    {
        for (int round = 0; round < 50; round++)
        {
            var outer = new int[1000];
            var inner = new int[1000 * 7];
            WorkerPool.For(1000, (a, b) =>
            {
                for (int i = a; i < b; i++) Interlocked.Increment(ref outer[i]);
                WorkerPool.For(7, (c, d) => { for (int j = c; j < d; j++) for (int i = a; i < b; i++) Interlocked.Increment(ref inner[i * 7 + j]); });
            });
            Assert.All(outer, v => Assert.Equal(1, v));
            Assert.All(inner, v => Assert.Equal(1, v));

            // The struct form, nested in itself.
            Array.Clear(outer); Array.Clear(inner);
            WorkerPool.For(1000, new Counting(outer, inner, nested: true));
            Assert.All(outer, v => Assert.Equal(1, v));
            Assert.All(inner, v => Assert.Equal(1, v));
        }
    }

    private readonly struct Counting(int[] outer, int[] inner, bool nested, int row = 0) : WorkerPool.IRange
    {
        public void Run(int start, int end)
        {
            if (!nested)
            {
                for (int j = start; j < end; j++) Interlocked.Increment(ref inner[row * 7 + j]);
                return;
            }
            for (int i = start; i < end; i++)
            {
                Interlocked.Increment(ref outer[i]);
                WorkerPool.For(7, new Counting(outer, inner, nested: false, row: i));
            }
        }
    }
}
