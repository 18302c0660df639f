using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace QuantServe.Kernels.Cpu;

/// <summary>
/// A persistent pool of kernel worker threads. <see cref="For{TBody}(int, TBody)"/> splits [0, count)
/// into at most <see cref="Count"/> contiguous chunks; the calling thread runs the first chunk and
/// waits for the rest. No allocation per call: the body is a struct copied onto the caller's stack
/// and reached by the workers through a function pointer and that stack address.
/// Workers spin briefly after each call (the next matmul of a decode step usually follows within
/// microseconds), then block. A call made while another is running (a nested call from a body, or
/// a second caller thread) runs inline on its own thread. An exception thrown by any chunk is
/// rethrown to the caller after every chunk has finished.
/// </summary>
public static unsafe class KernelThreads
{
    private static readonly object Gate = new();
    private static readonly long SpinTicks = Stopwatch.Frequency / 5000; // 200 us

    private static int count = Environment.ProcessorCount;
    private static int busy;
    private static Thread[] workers = [];

    // The call being dispatched: written by the caller before it bumps `generation`.
    private static delegate*<void*, int, int, void> body;
    private static void* state;
    private static int total;
    private static int chunks;
    private static Exception? failure;

    private static int generation;
    private static int remaining;
    private static int sleepers;

    /// <summary>Threads used by <see cref="For{TBody}(int, TBody)"/>, the caller included; 1 runs inline.</summary>
    public static int Count
    {
        get => Volatile.Read(ref count);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Count));
            SpinWait wait = default;
            while (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            {
                wait.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref count, value);
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>Runs body.Run over contiguous chunks covering [0, count) on up to Count threads.</summary>
    public static void For<TBody>(int count, TBody body)
        where TBody : struct, IRangeBody
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return;
        }

        int threads = Count;
        if (threads == 1 || count == 1 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            body.Run(0, count);
            return;
        }

        try
        {
            // The copy lives on this stack frame, which outlives the call, and the GC never moves it.
            TBody local = body;
            Dispatch(count, Math.Min(count, threads), &Invoke<TBody>, Unsafe.AsPointer(ref local));
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private static void Invoke<TBody>(void* state, int start, int end)
        where TBody : struct, IRangeBody
        => Unsafe.AsRef<TBody>(state).Run(start, end);

    private static void Dispatch(int count, int chunkCount, delegate*<void*, int, int, void> fn, void* arg)
    {
        EnsureWorkers(chunkCount - 1);
        body = fn;
        state = arg;
        total = count;
        chunks = chunkCount;
        failure = null;
        Volatile.Write(ref remaining, workers.Length);
        Interlocked.Increment(ref generation);
        if (Volatile.Read(ref sleepers) > 0)
        {
            lock (Gate)
            {
                Monitor.PulseAll(Gate);
            }
        }

        RunChunk(0);

        SpinWait wait = default;
        while (Volatile.Read(ref remaining) != 0)
        {
            wait.SpinOnce(sleep1Threshold: -1);
        }

        Exception? error = failure;
        failure = null;
        body = null;
        state = null;
        if (error is not null)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    private static void RunChunk(int index)
    {
        int start = (int)((long)total * index / chunks);
        int end = (int)((long)total * (index + 1) / chunks);
        try
        {
            body(state, start, end);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }
    }

    private static void EnsureWorkers(int needed)
    {
        if (workers.Length >= needed)
        {
            return;
        }

        // Workers only start here, while `busy` is held, so none is mid-call.
        var grown = new Thread[needed];
        Array.Copy(workers, grown, workers.Length);
        for (int i = workers.Length; i < needed; i++)
        {
            int chunkIndex = i + 1;
            int startGeneration = Volatile.Read(ref generation);
            grown[i] = new Thread(() => WorkerLoop(chunkIndex, startGeneration))
            {
                IsBackground = true,
                Name = $"QuantServe kernel worker {chunkIndex}",
            };
            grown[i].Start();
        }

        workers = grown;
    }

    private static void WorkerLoop(int chunkIndex, int seen)
    {
        while (true)
        {
            seen = WaitForCall(seen);
            if (chunkIndex < Volatile.Read(ref chunks))
            {
                RunChunk(chunkIndex);
            }

            Interlocked.Decrement(ref remaining);
        }
    }

    private static int WaitForCall(int seen)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            int g = Volatile.Read(ref generation);
            if (g != seen)
            {
                return g;
            }

            Thread.SpinWait(8);
        }

        lock (Gate)
        {
            Interlocked.Increment(ref sleepers);
            try
            {
                while (true)
                {
                    int g = Volatile.Read(ref generation);
                    if (g != seen)
                    {
                        return g;
                    }

                    Monitor.Wait(Gate);
                }
            }
            finally
            {
                Interlocked.Decrement(ref sleepers);
            }
        }
    }
}
