using System.Diagnostics;
using System.Runtime.InteropServices;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Bench.Kernels;

/// <summary>
/// Times MatMul on a 7B-class projection: decode GEMV (m = 1) of a 4096 x 4096 W against memory
/// bandwidth, and prefill GEMM (m = 512) against FMA peak, for fp32, bf16 and fp16 weights.
/// GEMV calls cycle through copies of W filling 1 GiB, so W comes from DRAM as in a real decode
/// (one 64 MiB matrix would sit in a large L3 and overstate the rate). Medians after a warm-up.
/// </summary>
public static unsafe class MatMulBench
{
    private const int N = 4096;
    private const int K = 4096;
    private const int PrefillRows = 512;
    private const long RegionBytes = 1L << 30;

    private enum Format
    {
        F32,
        BF16,
        F16,
    }

    /// <param name="threadCounts">KernelThreads.Count values to time, e.g. [1, 2].</param>
    /// <param name="bandwidthGBs">Measured read bandwidth for a thread count (MemoryBandwidth.Measure).</param>
    /// <param name="fmaGFlops">Measured FMA peak for a thread count (FmaPeak.Measure).</param>
    public static IReadOnlyList<MatMulTiming> Run(
        IReadOnlyList<int> threadCounts, Func<int, double> bandwidthGBs, Func<int, double> fmaGFlops)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        ArgumentNullException.ThrowIfNull(bandwidthGBs);
        ArgumentNullException.ThrowIfNull(fmaGFlops);

        var bandwidth = threadCounts.Distinct().ToDictionary(t => t, bandwidthGBs);
        var peak = threadCounts.Distinct().ToDictionary(t => t, fmaGFlops);

        const long weights = (long)N * K;
        byte* region = (byte*)NativeMemory.AlignedAlloc((nuint)RegionBytes, 64);
        float* x = (float*)NativeMemory.AlignedAlloc((nuint)PrefillRows * K * 4, 64);
        float* y = (float*)NativeMemory.AlignedAlloc((nuint)PrefillRows * N * 4, 64);
        int saved = KernelThreads.Count;
        try
        {
            var random = new Random(1);
            var master = new float[weights];
            for (long i = 0; i < weights; i++)
            {
                master[i] = ((float)random.NextDouble() - 0.5f) * 0.1f;
            }

            for (long i = 0; i < (long)PrefillRows * K; i++)
            {
                x[i] = (float)random.NextDouble() - 0.5f;
            }

            var rows = new List<MatMulTiming>();
            foreach (Format format in Enum.GetValues<Format>())
            {
                int bytesPerWeight = format == Format.F32 ? 4 : 2;
                long matrixBytes = weights * bytesPerWeight;
                int copies = (int)(RegionBytes / matrixBytes);
                FillCopies(region, master, format, copies, matrixBytes);
                string name = format.ToString().ToLowerInvariant();

                foreach (int threads in threadCounts)
                {
                    KernelThreads.Count = threads;
                    int next = 0;
                    double ms = MedianMilliseconds(
                        () =>
                        {
                            Multiply(format, x, region + (next * matrixBytes), y, 1);
                            next = (next + 1) % copies;
                        },
                        runs: 3 * copies);
                    double rate = matrixBytes / ms / 1e6;
                    rows.Add(new MatMulTiming($"gemv {name} 1x{N}x{K}", threads, ms, rate, "GB/s", bandwidth[threads], rate / bandwidth[threads]));

                    ms = MedianMilliseconds(() => Multiply(format, x, region, y, PrefillRows), runs: 3);
                    rate = 2.0 * PrefillRows * N * K / ms / 1e6;
                    rows.Add(new MatMulTiming($"gemm {name} {PrefillRows}x{N}x{K}", threads, ms, rate, "GFLOP/s", peak[threads], rate / peak[threads]));
                }
            }

            return rows;
        }
        finally
        {
            KernelThreads.Count = saved;
            NativeMemory.AlignedFree(region);
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(y);
        }
    }

    private static void FillCopies(byte* region, float[] master, Format format, int copies, long matrixBytes)
    {
        switch (format)
        {
            case Format.F32:
                master.CopyTo(new Span<float>(region, master.Length));
                break;
            case Format.BF16:
                FloatConversions.F32ToBF16(master, new Span<ushort>(region, master.Length));
                break;
            default:
                FloatConversions.F32ToF16(master, new Span<Half>(region, master.Length));
                break;
        }

        for (int c = 1; c < copies; c++)
        {
            Buffer.MemoryCopy(region, region + (c * matrixBytes), matrixBytes, matrixBytes);
        }
    }

    private static void Multiply(Format format, float* x, byte* w, float* y, int m)
    {
        switch (format)
        {
            case Format.F32:
                MatMul.F32(x, (float*)w, y, m, N, K);
                break;
            case Format.BF16:
                MatMul.BF16(x, (ushort*)w, y, m, N, K);
                break;
            default:
                MatMul.F16(x, (Half*)w, y, m, N, K);
                break;
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
