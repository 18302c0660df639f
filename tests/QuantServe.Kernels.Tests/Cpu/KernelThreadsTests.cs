using System.Collections.Concurrent;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Kernels.Tests.Cpu;

[Collection(KernelThreadsCollection.Name)]
public sealed class KernelThreadsTests : IDisposable
{
    private readonly int savedCount = KernelThreads.Count;

    public void Dispose() => KernelThreads.Count = savedCount;

    private readonly struct CountVisits(int[] visits, ConcurrentBag<(int Start, int End, int Thread)> ranges) : IRangeBody
    {
        public void Run(int start, int end)
        {
            ranges.Add((start, end, Environment.CurrentManagedThreadId));
            for (int i = start; i < end; i++)
            {
                Interlocked.Increment(ref visits[i]);
            }
        }
    }

    private readonly struct ThrowOnLastChunk(int count) : IRangeBody
    {
        public void Run(int start, int end)
        {
            if (end == count)
            {
                throw new InvalidOperationException($"chunk [{start}, {end}) failed");
            }
        }
    }

    private readonly struct Nested(int[] visits) : IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                var inner = new int[5];
                KernelThreads.For(5, new CountVisits(inner, []));
                visits[i] = inner.Sum();
            }
        }
    }

    private readonly struct Nothing : IRangeBody
    {
        public void Run(int start, int end)
        {
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void For_VisitsEveryIndexOnce_InAtMostCountContiguousChunks(int threads)
    {
        KernelThreads.Count = threads;
        for (int count = 0; count <= 70; count++)
        {
            var visits = new int[count];
            var ranges = new ConcurrentBag<(int Start, int End, int Thread)>();
            KernelThreads.For(count, new CountVisits(visits, ranges));

            visits.Where(v => v != 1).Should().BeEmpty($"every index of {count} is visited once on {threads} threads");
            ranges.Count.Should().Be(count == 0 ? 0 : Math.Min(count, threads));
            ranges.Select(r => r.Thread).Distinct().Count().Should().Be(ranges.Count, "each chunk runs on its own thread");
            ranges.Where(r => r.End <= r.Start).Should().BeEmpty("no chunk is empty");
        }
    }

    [Fact]
    public void For_RethrowsAWorkerException_AndThePoolKeepsWorking()
    {
        KernelThreads.Count = 2;
        FluentActions.Invoking(() => KernelThreads.For(10, new ThrowOnLastChunk(10)))
            .Should().Throw<InvalidOperationException>().WithMessage("chunk [5, 10) failed");

        var visits = new int[10];
        KernelThreads.For(10, new CountVisits(visits, []));
        visits.Should().OnlyContain(v => v == 1);
    }

    [Fact]
    public void For_CalledFromInsideABody_RunsInline()
    {
        KernelThreads.Count = 2;
        var visits = new int[8];
        KernelThreads.For(8, new Nested(visits));
        visits.Should().OnlyContain(v => v == 5);
    }

    [Fact]
    public void For_FromTwoCallerThreadsAtOnce_CompletesEveryCallOnce()
    {
        KernelThreads.Count = 2;
        var visits = new int[2][];
        var callers = Enumerable.Range(0, 2).Select(c => new Thread(() =>
        {
            visits[c] = new int[37];
            for (int call = 0; call < 300; call++)
            {
                KernelThreads.For(37, new CountVisits(visits[c], []));
            }
        })).ToArray();
        foreach (Thread caller in callers)
        {
            caller.Start();
        }

        foreach (Thread caller in callers)
        {
            caller.Join();
        }

        visits.SelectMany(v => v).Where(v => v != 300).Should().BeEmpty("each of 300 calls per caller visits every index once");
    }

    [Fact]
    public void For_DoesNotAllocatePerCall()
    {
        KernelThreads.Count = 2;
        KernelThreads.For(100, new Nothing());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            KernelThreads.For(100, new Nothing());
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Count_RejectsLessThanOne()
    {
        FluentActions.Invoking(() => KernelThreads.Count = 0).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => KernelThreads.For(-1, new Nothing())).Should().Throw<ArgumentOutOfRangeException>();
    }
}
