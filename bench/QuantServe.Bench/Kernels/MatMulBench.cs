using System.Diagnostics;
using System.Runtime.InteropServices;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Bench.Kernels;

/// <summary>
/// Times MatMul on a 7B-class projection: decode GEMV (m = 1) of a 4096 x 4096 W against memory
/// bandwidth, and prefill GEMM (m = 512) against FMA peak, for fp32, bf16 and fp16 weights.
/// Reports the median of several runs after a warm-up run.
/// </summary>
public static unsafe class MatMulBench
{
    private const int N = 4096;
    private const int K = 4096;
    private const int PrefillRows = 512;

    /// <param name="threadCounts">KernelThreads.Count values to time, e.g. [1, 2].</param>
    /// <param name="bandwidthGBs">Measured read bandwidth for a thread count (MemoryBandwidth.Measure).</param>
    /// <param name="fmaGFlops">Measured FMA peak for a thread count (FmaPeak.Measure).</param>
    public static IReadOnlyList<MatMulTiming> Run(
        IReadOnlyList<int> threadCounts, Func<int, double> bandwidthGBs, Func<int, double> fmaGFlops)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        ArgumentNullException.ThrowIfNull(bandwidthGBs);
        ArgumentNullException.ThrowIfNull(fmaGFlops);

        long weights = (long)N * K;
        float* w32 = (float*)NativeMemory.AlignedAlloc((nuint)(weights * 4), 64);
        ushort* wbf = (ushort*)NativeMemory.AlignedAlloc((nuint)(weights * 2), 64);
        Half* w16 = (Half*)NativeMemory.AlignedAlloc((nuint)(weights * 2), 64);
        float* x = (float*)NativeMemory.AlignedAlloc((nuint)PrefillRows * K * 4, 64);
        float* y = (float*)NativeMemory.AlignedAlloc((nuint)PrefillRows * N * 4, 64);
        int saved = KernelThreads.Count;
        try
        {
            var random = new Random(1);
            for (long i = 0; i < weights; i++)
            {
                float v = ((float)random.NextDouble() - 0.5f) * 0.1f;
                w32[i] = v;
                wbf[i] = FloatConversions.SingleToBF16(v);
                w16[i] = (Half)v;
            }

            for (long i = 0; i < (long)PrefillRows * K; i++)
            {
                x[i] = (float)random.NextDouble() - 0.5f;
            }

            var rows = new List<MatMulTiming>();
            foreach (int threads in threadCounts)
            {
                double bandwidth = bandwidthGBs(threads);
                double peak = fmaGFlops(threads);
                KernelThreads.Count = threads;

                void Gemv(string name, int bytesPerWeight, Action multiply)
                {
                    double ms = MedianMilliseconds(multiply, runs: 25);
                    double rate = weights * bytesPerWeight / ms / 1e6;
                    rows.Add(new MatMulTiming(name, threads, ms, rate, "GB/s", bandwidth, rate / bandwidth));
                }

                void Gemm(string name, Action multiply)
                {
                    double ms = MedianMilliseconds(multiply, runs: 3);
                    double rate = 2.0 * PrefillRows * N * K / ms / 1e6;
                    rows.Add(new MatMulTiming(name, threads, ms, rate, "GFLOP/s", peak, rate / peak));
                }

                Gemv($"gemv f32 1x{N}x{K}", 4, () => MatMul.F32(x, w32, y, 1, N, K));
                Gemv($"gemv bf16 1x{N}x{K}", 2, () => MatMul.BF16(x, wbf, y, 1, N, K));
                Gemv($"gemv f16 1x{N}x{K}", 2, () => MatMul.F16(x, w16, y, 1, N, K));
                Gemm($"gemm f32 {PrefillRows}x{N}x{K}", () => MatMul.F32(x, w32, y, PrefillRows, N, K));
                Gemm($"gemm bf16 {PrefillRows}x{N}x{K}", () => MatMul.BF16(x, wbf, y, PrefillRows, N, K));
                Gemm($"gemm f16 {PrefillRows}x{N}x{K}", () => MatMul.F16(x, w16, y, PrefillRows, N, K));
            }

            return rows;
        }
        finally
        {
            KernelThreads.Count = saved;
            NativeMemory.AlignedFree(w32);
            NativeMemory.AlignedFree(wbf);
            NativeMemory.AlignedFree(w16);
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(y);
        }
    }

    private static double MedianMilliseconds(Action action, int runs)
    {
        action();
        var ms = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            ms[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(ms);
        return ms[runs / 2];
    }
}
