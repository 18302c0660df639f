using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using QuantServe.Kernels.Cpu;
using QuantServe.Kernels.Quantized;

namespace QuantServe.Bench.Quantized;

/// <summary>
/// Decode-shaped GEMV (one activation row, 4096 x 4096) for every pre-quantized format, all of which run
/// the <see cref="GptqMatrix"/> kernel after their load-time repack: gptq 4-bit g128, 3-bit g128, 8-bit g128,
/// 4-bit g128 with act-order, awq g128, marlin g128 and exl2 at 4.0 bits per weight (3/4/5-bit groups).
/// Bandwidth is reported two ways: over the checkpoint's packed bytes (qweight + qzeros + fp16 scales) and
/// over the bytes the kernel actually reads (<see cref="GptqMatrix.WeightBytes"/>: codes + fp32 scales and zeros).
/// Codes are random: GEMV time does not depend on their values. "cached" runs one matrix again and again
/// (it stays in the last-level cache); "streamed" cycles through copies that together exceed
/// <c>streamBytes</c>, as decoding a real model does, and is the number to hold against memory bandwidth.
/// </summary>
public static unsafe class GptqGemvBenchmark
{
    public const int Size = 4096;

    /// <summary>One timing; <paramref name="Rows"/> activation rows per call (2 and 3: decoding that many sequences at once, streamed only).</summary>
    public sealed record Result(
        string Format, bool Streamed, int Threads, double Milliseconds, double CheckpointGBps, double KernelGBps, long CheckpointBytes, long KernelBytes, double ReadGBps,
        int Rows = 1);

    /// <summary>Runs every format with 1 and 2 threads and prints one line each; returns the measurements.</summary>
    public static IReadOnlyList<Result> Run(TextWriter output, double secondsPerCase = 0.5, long streamBytes = 1L << 30)
    {
        var results = new List<Result>();
        int saved = KernelThreads.Count;
        try
        {
            var readGBps = new Dictionary<int, double>();
            foreach (int threads in new[] { 1, 2 })
            {
                KernelThreads.Count = threads;
                readGBps[threads] = MeasureReadGBps(streamBytes, secondsPerCase);
                output.WriteLine($"memory read ({streamBytes >> 20} MiB, SIMD sum) threads={threads}  {readGBps[threads],6:F2} GB/s");
            }
            foreach (var (name, build) in Cases())
            {
                var (first, checkpointBytes) = build();
                var copies = new List<GptqMatrix> { first };
                try
                {
                    while ((long)copies.Count * first.WeightBytes < streamBytes)
                        copies.Add(build().Item1);
                    foreach (var (streamed, rows) in new[] { (false, 1), (true, 1), (true, 2), (true, 3) })
                        foreach (int threads in new[] { 1, 2 })
                        {
                            KernelThreads.Count = threads;
                            double ms = Time(streamed ? copies : copies.GetRange(0, 1), secondsPerCase, rows);
                            var r = new Result(name, streamed, threads, ms, checkpointBytes / ms / 1e6, first.WeightBytes / ms / 1e6,
                                checkpointBytes, first.WeightBytes, readGBps[threads], rows);
                            results.Add(r);
                            output.WriteLine(
                                $"gemv {name,-23} {Size}x{Size} m={rows} {(streamed ? "streamed" : "cached  ")} threads={threads}  {ms,7:F3} ms  " +
                                $"{r.CheckpointGBps,6:F2} GB/s packed ({checkpointBytes / 1048576.0:F1} MiB)  {r.KernelGBps,6:F2} GB/s read " +
                                $"({first.WeightBytes / 1048576.0:F1} MiB) = {r.KernelGBps / r.ReadGBps:F2} of memory read bandwidth");
                        }
                }
                finally
                {
                    foreach (var m in copies)
                        m.Dispose();
                }
            }
        }
        finally
        {
            KernelThreads.Count = saved;
        }
        return results;
    }

    /// <summary>The ceiling: streaming reads of a buffer far larger than the caches, on KernelThreads.Count threads.</summary>
    private static double MeasureReadGBps(long bytes, double seconds)
    {
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            NativeMemory.Fill(data, (nuint)bytes, 1);
            var body = new SumBody(data, bytes / 4);
            KernelThreads.For(SumBody.Chunks, body);
            double best = double.MaxValue;
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds)
            {
                long start = Stopwatch.GetTimestamp();
                KernelThreads.For(SumBody.Chunks, body);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return bytes / best / 1e6;
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    private readonly struct SumBody(float* data, long length) : IRangeBody
    {
        public const int Chunks = 64;

        public void Run(int start, int end)
        {
            long from = length * start / Chunks, to = length * end / Chunks;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (long i = from; i + 32 <= to; i += 32)
            {
                a0 += Vector256.Load(data + i);
                a1 += Vector256.Load(data + i + 8);
                a2 += Vector256.Load(data + i + 16);
                a3 += Vector256.Load(data + i + 24);
            }
            Sink = Vector256.Sum((a0 + a1) + (a2 + a3));
        }
    }

    /// <summary>Keeps the sums observable so the reads are not optimized away.</summary>
    public static float Sink;

    /// <summary>Best time of one GEMV of <paramref name="rows"/> activation rows, cycling through <paramref name="matrices"/>.</summary>
    private static double Time(List<GptqMatrix> matrices, double seconds, int rows)
    {
        var x = new float[Size * rows];
        var y = new float[Size * rows];
        var rng = new Random(1);
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(rng.NextDouble() - 0.5);
        fixed (float* xp = x)
        fixed (float* yp = y)
        {
            foreach (var m in matrices)
                m.Multiply(xp, yp, rows);
            double best = double.MaxValue;
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < seconds)
            {
                long start = Stopwatch.GetTimestamp();
                foreach (var m in matrices)
                    m.Multiply(xp, yp, rows);
                best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds / matrices.Count);
            }
            return best;
        }
    }

    private static IEnumerable<(string, Func<(GptqMatrix, long)>)> Cases()
    {
        yield return ("gptq-4bit-g128", () => Gptq(4, 128, actOrder: false));
        yield return ("gptq-3bit-g128", () => Gptq(3, 128, actOrder: false));
        yield return ("gptq-8bit-g128", () => Gptq(8, 128, actOrder: false));
        yield return ("gptq-4bit-g128-actorder", () => Gptq(4, 128, actOrder: true));
        yield return ("awq-4bit-g128", Awq);
        yield return ("marlin-4bit-g128", Marlin);
        yield return ("exl2-4.0bpw", Exl2);
    }

    private static int[] RandomInts(int count, Random rng)
    {
        var a = new int[count];
        for (int i = 0; i < count; i++)
            a[i] = rng.Next() ^ (rng.Next() << 1);
        return a;
    }

    private static Half[] RandomScales(int count, Random rng)
    {
        var a = new Half[count];
        for (int i = 0; i < count; i++)
            a[i] = (Half)(0.001 + rng.NextDouble() * 0.01);
        return a;
    }

    private static (GptqMatrix, long) Gptq(int bits, int group, bool actOrder)
    {
        var rng = new Random(bits);
        int groups = Size / group;
        var qweight = RandomInts(Size * bits / 32 * Size, rng);
        var qzeros = RandomInts(groups * Size * bits / 32, rng);
        var scales = RandomScales(groups * Size, rng);
        int[] gIdx = [];
        if (actOrder)
        {
            gIdx = Enumerable.Range(0, Size).Select(i => i / group).ToArray();
            rng.Shuffle(gIdx);
        }
        long bytes = 4L * (qweight.Length + qzeros.Length + gIdx.Length) + 2L * scales.Length;
        return (GptqFormat.Create(Size, Size, bits, group, true, qweight, qzeros, scales, gIdx), bytes);
    }

    private static (GptqMatrix, long) Awq()
    {
        var rng = new Random(11);
        int groups = Size / 128;
        var qweight = RandomInts(Size * Size / 8, rng);
        var qzeros = RandomInts(groups * Size / 8, rng);
        var scales = RandomScales(groups * Size, rng);
        return (AwqFormat.Create(Size, Size, 128, qweight, qzeros, scales), 4L * (qweight.Length + qzeros.Length) + 2L * scales.Length);
    }

    private static (GptqMatrix, long) Marlin()
    {
        var rng = new Random(12);
        var b = RandomInts(Size / 16 * 2 * Size, rng);
        var s = RandomScales(Size / 128 * Size, rng);
        return (MarlinFormat.Create(Size, Size, 128, b, s), 4L * b.Length + 2L * s.Length);
    }

    private static (GptqMatrix, long) Exl2()
    {
        // 32 groups of 128 rows: 5, 4, 4, 3 bits repeating, 4.0 bits per weight on average.
        var rng = new Random(13);
        int[] pattern = [5, 4, 4, 3];
        int groups = Size / 128;
        var qGroups = new short[2 * groups];
        int wordRows = 0;
        for (int g = 0; g < groups; g++)
        {
            int bits = pattern[g % 4];
            qGroups[2 * g] = (short)bits;
            qGroups[2 * g + 1] = (short)wordRows;
            wordRows += 128 * bits / 32;
        }
        var qWeight = RandomInts(wordRows * Size, rng);
        var qScale = RandomInts(groups * Size / 8, rng);
        var qScaleMax = RandomScales(groups, rng);
        var invperm = Enumerable.Range(0, Size).Select(i => (short)i).ToArray();
        rng.Shuffle(invperm);
        long bytes = 4L * (qWeight.Length + qScale.Length) + 2L * (qScaleMax.Length + qGroups.Length + invperm.Length);
        return (Exl2Format.Create(Size, Size, qWeight, qScale, qScaleMax, qGroups, invperm), bytes);
    }
}
