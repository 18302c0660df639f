using System.Diagnostics;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tools;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Bench.Model;

/// <summary>
/// Decode at batch 1 and prefill of a long prompt on a random model of a given shape, reported against
/// the ceilings measured in the same run: decode as weight bytes read per second over memory bandwidth,
/// prefill as FLOP/s over the FMA peak.
/// </summary>
public static class ModelBench
{
    public sealed record DecodeResult(int Threads, double TokensPerSecond, double WeightGBps, double BandwidthRatio);

    public sealed record PrefillResult(int Threads, int PromptTokens, double TokensPerSecond, double GFlops, double PeakRatio);

    /// <summary>Makes the preset's model under <paramref name="directory"/> unless it is already there.</summary>
    public static string EnsureModel(string directory, string preset)
    {
        if (!File.Exists(Path.Combine(directory, "config.json")))
        {
            Console.Error.WriteLine($"making the {preset} model in {directory} (once)...");
            ModelMaker.Write(directory, ModelSpec.Presets[preset]);
        }
        return directory;
    }

    public static DecodeResult Decode(LlamaModel model, int threads, int tokens, double bandwidthGBps)
    {
        KernelThreads.Count = threads;
        using var cache = model.CreateKvCache(tokens + 16);
        var sequence = new KvSequence();
        var token = new int[] { 1 };
        var chunk = new SequenceChunk[1];
        // Warm-up: the first steps pay for JIT tiers and page faults on the memory-mapped weights.
        for (int i = 0; i < 4; i++)
        {
            chunk[0] = new SequenceChunk(sequence, token);
            token[0] = VectorOps.ArgMax(model.Forward(chunk, cache));
        }
        var times = new List<double>();
        for (int i = 0; i < tokens; i++)
        {
            var clock = Stopwatch.StartNew();
            chunk[0] = new SequenceChunk(sequence, token);
            token[0] = VectorOps.ArgMax(model.Forward(chunk, cache));
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        double median = times[times.Count / 2];
        double gbps = model.WeightBytesPerToken / median / 1e9;
        return new DecodeResult(threads, 1 / median, gbps, gbps / bandwidthGBps);
    }

    public static PrefillResult Prefill(LlamaModel model, int threads, int promptTokens, double peakGFlops, int runs = 3)
    {
        KernelThreads.Count = threads;
        var prompt = Enumerable.Range(0, promptTokens).Select(i => 3 + i % 200).ToArray();
        var c = model.Config;
        // Matrix FLOPs (2 per multiply-add over every projection and lm_head for the last token) plus attention.
        long projectionParams = (long)c.NumHiddenLayers * (
            (long)c.HiddenSize * c.NumAttentionHeads * c.HeadDim * 2 + (long)c.HiddenSize * c.NumKeyValueHeads * c.HeadDim * 2
            + 3L * c.HiddenSize * c.IntermediateSize);
        double flops = 2.0 * projectionParams * promptTokens + 2.0 * c.VocabSize * c.HiddenSize
            + 2.0 * 2 * c.NumHiddenLayers * c.NumAttentionHeads * c.HeadDim * (promptTokens * (promptTokens + 1) / 2.0);
        var times = new List<double>();
        for (int r = 0; r < runs + 1; r++)
        {
            using var cache = model.CreateKvCache(promptTokens);
            var clock = Stopwatch.StartNew();
            model.Forward([new SequenceChunk(new KvSequence(), prompt)], cache);
            if (r > 0)
                times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        double median = times[times.Count / 2];
        double gflops = flops / median / 1e9;
        return new PrefillResult(threads, promptTokens, promptTokens / median, gflops, gflops / peakGFlops);
    }
}
