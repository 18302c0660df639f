using System.Diagnostics;
using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Bench.Quantized;

/// <summary>
/// Times each load-time scheme's decode GEMV (m = 1) on a 4096 x 4096 projection and reports GB/s of the
/// quantized weight bytes read. Calls cycle through copies of the packed weights totalling at least
/// 512 MiB, so the weights come from DRAM as in a real decode rather than from a large L3.
/// Medians of 3 passes over the copies after one warm-up pass. The same call repeated on one copy (weights
/// in cache) gives the kernel's compute rate: a kernel slower than the bandwidth there cannot reach it from DRAM.
/// </summary>
public static unsafe class QuantizedGemvBench
{
    private const int N = 4096;
    private const int K = 4096;
    private const long RegionBytes = 512L << 20;

    /// <param name="threadCounts">KernelThreads.Count values to time, e.g. [1, 2].</param>
    /// <param name="bandwidthGBs">Measured read bandwidth for a thread count (Ceilings.MemoryBandwidth.Measure), or null.</param>
    public static IReadOnlyList<QuantizedGemvTiming> Run(IReadOnlyList<int> threadCounts, Func<int, double>? bandwidthGBs = null)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        var random = new Random(1);
        var weights = new float[(long)N * K];
        for (long i = 0; i < weights.LongLength; i++)
        {
            weights[i] = ((float)random.NextDouble() - 0.5f) * 0.1f;
        }

        var x = new float[K];
        for (int i = 0; i < K; i++)
        {
            x[i] = (float)random.NextDouble() - 0.5f;
        }

        var y = new float[N];
        var results = new List<QuantizedGemvTiming>();
        int saved = KernelThreads.Count;
        try
        {
            foreach (var (scheme, copies, bytes) in Schemes(weights))
            {
                foreach (int threads in threadCounts)
                {
                    KernelThreads.Count = threads;
                    double ms = MedianMilliseconds(copies, x, y);
                    double rate = bytes / ms / 1e6;
                    double cachedMs = MedianMilliseconds(Enumerable.Repeat(copies[0], copies.Length).ToArray(), x, y);
                    results.Add(new QuantizedGemvTiming(
                        scheme, threads, ms, bytes, rate, rate / (bandwidthGBs?.Invoke(threads) ?? double.NaN), bytes / cachedMs / 1e6));
                }
            }
        }
        finally
        {
            KernelThreads.Count = saved;
        }

        return results;
    }

    // Each scheme's packed weights, quantized once and copied until the copies fill RegionBytes.
    private static IEnumerable<(string Scheme, Action<float[], float[]>[] Copies, long Bytes)> Schemes(float[] weights)
    {
        var int8 = Int8RowWeights.Quantize(weights, N, K);
        yield return ("bitsandbytes", Copies(int8.Bytes, () =>
        {
            var copy = new Int8RowWeights(int8.Codes, int8.Scales, N, K);
            return (a, b) => LlmInt8MatMul.Multiply(copy, a, b, 1);
        }), int8.Bytes);
        yield return ("eetq", Copies(int8.Bytes, () =>
        {
            var copy = new Int8RowWeights(int8.Codes, int8.Scales, N, K);
            return (a, b) => EetqMatMul.Multiply(copy, a, b, 1);
        }), int8.Bytes);

        var fp8 = Fp8RowWeights.Quantize(weights, N, K);
        yield return ("fp8", Copies(fp8.Bytes, () =>
        {
            var copy = new Fp8RowWeights(fp8.Codes, fp8.Scales, N, K);
            return (a, b) => Fp8MatMul.Multiply(copy, a, b, 1);
        }), fp8.Bytes);

        foreach (var (name, type) in new[] { ("bitsandbytes-nf4", Bnb4BitType.Nf4), ("bitsandbytes-fp4", Bnb4BitType.Fp4) })
        {
            var packed = Bnb4BitWeights.Quantize(type, weights, N, K);
            yield return (name, Copies(packed.Bytes, () =>
            {
                var copy = Bnb4BitWeights.FromDoubleQuantized(
                    type, N, K, packed.BlockSize, packed.Packed, packed.Codebook, packed.AbsmaxCodes,
                    packed.NestedAbsmax, packed.NestedMap, packed.NestedBlockSize, packed.Offset);
                return (a, b) => Bnb4BitMatMul.Multiply(copy, a, b, 1);
            }), packed.Bytes);
            // bnb_4bit_use_double_quant=false checkpoints: fp32 absmax, 9% more bytes, no double dequantization per block.
            var plain = Bnb4BitWeights.Quantize(type, weights, N, K, doubleQuantize: false);
            yield return (name + "-no-double-quant", Copies(plain.Bytes, () =>
            {
                var copy = Bnb4BitWeights.FromPlainAbsmax(type, N, K, plain.BlockSize, plain.Packed, plain.Codebook, plain.Absmax);
                return (a, b) => Bnb4BitMatMul.Multiply(copy, a, b, 1);
            }), plain.Bytes);
        }
    }

    private static Action<float[], float[]>[] Copies(long bytes, Func<Action<float[], float[]>> copy)
    {
        int count = (int)Math.Max(2, RegionBytes / bytes);
        return Enumerable.Range(0, count).Select(_ => copy()).ToArray();
    }

    private static double MedianMilliseconds(Action<float[], float[]>[] copies, float[] x, float[] y)
    {
        foreach (var multiply in copies)
        {
            multiply(x, y);
        }

        var passes = new double[3];
        for (int p = 0; p < passes.Length; p++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (var multiply in copies)
            {
                multiply(x, y);
            }

            passes[p] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / copies.Length;
        }

        Array.Sort(passes);
        return passes[1];
    }
}
