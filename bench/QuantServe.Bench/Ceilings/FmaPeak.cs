using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Bench.Ceilings;

/// <summary>
/// Measured fp32 FMA throughput: every thread runs 12 independent fused multiply-add chains held
/// in vector registers (enough to cover FMA latency x throughput on current x64 cores), with the
/// widest accelerated vectors. Prefill (a GEMM) is measured against this.
/// </summary>
public static class FmaPeak
{
    private const int Chains = 12;

    /// <summary>Median GFLOP/s (2 flops per lane per FMA) of <paramref name="runs"/> runs.</summary>
    public static double Measure(int threads, long iterations = 20_000_000, int runs = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);

        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        int saved = KernelThreads.Count;
        try
        {
            KernelThreads.Count = threads;
            var work = new FmaChains(iterations);
            KernelThreads.For(threads, new FmaChains(iterations / 10));
            var seconds = new double[runs];
            for (int r = 0; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                KernelThreads.For(threads, work);
                seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }

            Array.Sort(seconds);
            double flops = 2.0 * lanes * Chains * iterations * threads;
            return flops / seconds[runs / 2] / 1e9;
        }
        finally
        {
            KernelThreads.Count = saved;
        }
    }

    private readonly struct FmaChains(long iterations) : IRangeBody
    {
        public void Run(int start, int end)
        {
            for (int t = start; t < end; t++)
            {
                Sink.Keep(Vector512.IsHardwareAccelerated ? Run512(iterations) : Run256(iterations));
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Run512(long iterations)
        {
            // Multiplier just below 1 and addend tiny: values stay finite and normal for any count.
            Vector512<float> m = Vector512.Create(0.9999999f), a = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
            Vector512<float> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector512.FusedMultiplyAdd(c0, m, a);
                c1 = Vector512.FusedMultiplyAdd(c1, m, a);
                c2 = Vector512.FusedMultiplyAdd(c2, m, a);
                c3 = Vector512.FusedMultiplyAdd(c3, m, a);
                c4 = Vector512.FusedMultiplyAdd(c4, m, a);
                c5 = Vector512.FusedMultiplyAdd(c5, m, a);
                c6 = Vector512.FusedMultiplyAdd(c6, m, a);
                c7 = Vector512.FusedMultiplyAdd(c7, m, a);
                c8 = Vector512.FusedMultiplyAdd(c8, m, a);
                c9 = Vector512.FusedMultiplyAdd(c9, m, a);
                c10 = Vector512.FusedMultiplyAdd(c10, m, a);
                c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            }

            return Vector512.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
        }

        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private static float Run256(long iterations)
        {
            Vector256<float> m = Vector256.Create(0.9999999f), a = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256.Create(1f), c1 = c0 + a, c2 = c1 + a, c3 = c2 + a, c4 = c3 + a, c5 = c4 + a;
            Vector256<float> c6 = c5 + a, c7 = c6 + a, c8 = c7 + a, c9 = c8 + a, c10 = c9 + a, c11 = c10 + a;
            for (long i = 0; i < iterations; i++)
            {
                c0 = Vector256.FusedMultiplyAdd(c0, m, a);
                c1 = Vector256.FusedMultiplyAdd(c1, m, a);
                c2 = Vector256.FusedMultiplyAdd(c2, m, a);
                c3 = Vector256.FusedMultiplyAdd(c3, m, a);
                c4 = Vector256.FusedMultiplyAdd(c4, m, a);
                c5 = Vector256.FusedMultiplyAdd(c5, m, a);
                c6 = Vector256.FusedMultiplyAdd(c6, m, a);
                c7 = Vector256.FusedMultiplyAdd(c7, m, a);
                c8 = Vector256.FusedMultiplyAdd(c8, m, a);
                c9 = Vector256.FusedMultiplyAdd(c9, m, a);
                c10 = Vector256.FusedMultiplyAdd(c10, m, a);
                c11 = Vector256.FusedMultiplyAdd(c11, m, a);
            }

            return Vector256.Sum(((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)));
        }
    }
}
