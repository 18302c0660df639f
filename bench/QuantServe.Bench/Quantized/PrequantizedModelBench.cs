using System.Diagnostics;
using QuantServe.Bench.Model;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;
using QuantServe.Engine.Tools;

namespace QuantServe.Bench.Quantized;

/// <summary>
/// Decode tokens/s of pre-quantized checkpoints of one bf16 model (gptq 4/3/8-bit, gptq 4-bit act-order,
/// awq, gptq served with --quantize marlin, a native marlin B/s checkpoint of the same codes as gptq 4-bit,
/// exl2 at 4.0 bits per weight), each loaded as the server loads it (<see cref="WeightsLoaderSelector"/>): the effective bandwidth (weight bytes per token x tokens/s) as
/// a ratio to the memory bandwidth measured in the same run, and the speed-up over the bf16 model's
/// tokens/s measured in the same run. The checkpoints (random codes) are made once under the given directory.
/// </summary>
public static class PrequantizedModelBench
{
    public sealed record FormatDecode(string Format, int Threads, long WeightBytesPerToken, double TokensPerSecond, double BandwidthRatio, double SpeedupOverBf16);

    // Row label, checkpoint, --quantize (null: as the checkpoint declares), and the scheme the model must end up with.
    private static readonly (string Format, string Checkpoint, string? Quantize, string Scheme)[] Formats =
    [
        ("gptq 4-bit g128", PrequantizedCheckpointMaker.Gptq4, null, "gptq"),
        ("gptq 3-bit g128", PrequantizedCheckpointMaker.Gptq3, null, "gptq"),
        ("gptq 8-bit g128", PrequantizedCheckpointMaker.Gptq8, null, "gptq"),
        ("gptq 4-bit g128 act-order", PrequantizedCheckpointMaker.Gptq4ActOrder, null, "gptq"),
        ("awq 4-bit g128", PrequantizedCheckpointMaker.Awq4, null, "awq"),
        ("marlin (gptq 4-bit g128, --quantize marlin)", PrequantizedCheckpointMaker.Gptq4, "marlin", "marlin"),
        ("marlin 4-bit g128 (native B/s checkpoint)", PrequantizedCheckpointMaker.Marlin4, null, "marlin"),
        ("exl2 4.0 bpw (3/4/5-bit groups, act-order)", PrequantizedCheckpointMaker.Exl2, null, "exl2"),
    ];

    public static IReadOnlyList<FormatDecode> Run(string bf16ModelDirectory, string checkpointsDirectory, IReadOnlyList<int> threadCounts, Func<int, double> bandwidthGBs, int tokens = 8)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        ArgumentNullException.ThrowIfNull(bandwidthGBs);
        foreach (var name in PrequantizedCheckpointMaker.Names)
            EnsureCheckpoint(bf16ModelDirectory, checkpointsDirectory, name);

        var bf16 = new Dictionary<int, double>();
        var results = new List<FormatDecode>();
        using (var model = LlamaModel.Load(bf16ModelDirectory))
        {
            foreach (int threads in threadCounts)
            {
                var decode = ModelBench.Decode(model, threads, tokens, bandwidthGBs(threads));
                bf16[threads] = decode.TokensPerSecond;
                results.Add(new FormatDecode("bf16 (source model)", threads, model.WeightBytesPerToken, decode.TokensPerSecond, decode.BandwidthRatio, 1.0));
            }
        }

        foreach (var (format, checkpoint, quantize, scheme) in Formats)
        {
            string directory = Path.Combine(checkpointsDirectory, checkpoint);
            using var model = LlamaModel.Load(directory, null, tensors => WeightsLoaderSelector.Select(tensors, quantize, null));
            if (model.Scheme != scheme)
                throw new InvalidOperationException($"{directory} loaded as '{model.Scheme}', not '{scheme}': the checkpoint was not detected as written");
            foreach (int threads in threadCounts)
            {
                var decode = ModelBench.Decode(model, threads, tokens, bandwidthGBs(threads));
                results.Add(new FormatDecode(format, threads, model.WeightBytesPerToken, decode.TokensPerSecond, decode.BandwidthRatio, decode.TokensPerSecond / bf16[threads]));
            }
        }
        return results;
    }

    /// <summary>The checkpoint <paramref name="name"/> under <paramref name="checkpointsDirectory"/>, made unless it is already there.</summary>
    public static string EnsureCheckpoint(string bf16ModelDirectory, string checkpointsDirectory, string name)
    {
        string directory = Path.Combine(checkpointsDirectory, name);
        if (!File.Exists(Path.Combine(directory, "config.json")))
        {
            Console.Error.WriteLine($"making the {name} checkpoint in {directory} (once)...");
            var clock = Stopwatch.StartNew();
            PrequantizedCheckpointMaker.Write(bf16ModelDirectory, directory, name);
            Console.Error.WriteLine($"made {name} in {clock.Elapsed.TotalSeconds:F1} s");
        }
        return directory;
    }
}
