using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Bench.Ceilings;

/// <summary>
/// Measured read bandwidth: threads sum disjoint parts of a buffer far larger than L3 (1 GiB by
/// default) with vector loads, the access pattern of a decode GEMV. This is the ceiling for batch-1
/// decoding: tokens/s &lt;= bandwidth / bytes of weights read per token.
/// </summary>
public static unsafe class MemoryBandwidth
{
    /// <summary>Median GB/s (10^9 bytes per second) of <paramref name="runs"/> full passes.</summary>
    public static double Measure(int threads, long bytes = 1L << 30, int runs = 7)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);

        long floats = bytes / sizeof(float) / 1024 * 1024;
        float* buffer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        int saved = KernelThreads.Count;
        try
        {
            // Touch every page with non-zero data so no pass reads the shared zero page.
            new Span<float>(buffer, (int)Math.Min(floats, int.MaxValue)).Fill(1f);
            for (long i = int.MaxValue; i < floats; i++)
            {
                buffer[i] = 1f;
            }

            KernelThreads.Count = threads;
            var pass = new SumPass(buffer, floats, threads);
            KernelThreads.For(threads, pass);
            var seconds = new double[runs];
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                KernelThreads.For(threads, pass);
                seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            Array.Sort(seconds);
            return floats * sizeof(float) / seconds[runs / 2] / 1e9;
        }
        finally
        {
            KernelThreads.Count = saved;
            NativeMemory.AlignedFree(buffer);
        }
    }

    private readonly struct SumPass(float* buffer, long floats, int parts) : IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int part = start; part < end; part++)
            {
                long chunk = floats / parts / 64 * 64;
                long first = part * chunk;
                long last = part == parts - 1 ? floats : first + chunk;
                Sink.Keep(Sum(buffer + first, last - first));
            }
        }

        private static float Sum(float* p, long count)
        {
            long i = 0;
            float total = 0f;
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<float> a = default, b = default, c = default, d = default;
                for (; i <= count - 64; i += 64)
                {
                    a += Vector512.Load(p + i);
                    b += Vector512.Load(p + i + 16);
                    c += Vector512.Load(p + i + 32);
                    d += Vector512.Load(p + i + 48);
                }

                total = Vector512.Sum((a + b) + (c + d));
            }
            else
            {
                Vector256<float> a = default, b = default, c = default, d = default;
                for (; i <= count - 32; i += 32)
                {
                    a += Vector256.Load(p + i);
                    b += Vector256.Load(p + i + 8);
                    c += Vector256.Load(p + i + 16);
                    d += Vector256.Load(p + i + 24);
                }

                total = Vector256.Sum((a + b) + (c + d));
            }

            for (; i < count; i++)
            {
                total += p[i];
            }

            return total;
        }
    }
}
