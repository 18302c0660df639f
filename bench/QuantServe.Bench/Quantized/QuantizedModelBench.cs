using QuantServe.Bench.Model;
using QuantServe.Engine.Models;
using QuantServe.Engine.Quantization;

namespace QuantServe.Bench.Quantized;

/// <summary>
/// Decode tokens/s of one model directory under every load-time scheme, next to its dense (as stored)
/// weights: the effective bandwidth (quantized weight bytes per token x tokens/s) as a ratio to the
/// measured bandwidth, and the speed-up over dense. The goals: every scheme at least 0.7 of the
/// bandwidth, nf4 at least 2.5x the bf16 tokens/s (give a bf16 model directory for that comparison).
/// </summary>
public static class QuantizedModelBench
{
    public sealed record SchemeDecode(string Scheme, int Threads, long WeightBytesPerToken, double TokensPerSecond, double BandwidthRatio, double SpeedupOverDense);

    public static IReadOnlyList<SchemeDecode> Run(string modelDirectory, IReadOnlyList<int> threadCounts, Func<int, double> bandwidthGBs, int tokens = 16)
    {
        ArgumentNullException.ThrowIfNull(threadCounts);
        ArgumentNullException.ThrowIfNull(bandwidthGBs);
        var dense = new Dictionary<int, double>();
        var results = new List<SchemeDecode>();
        foreach (string? scheme in new string?[] { null }.Concat(QuantizationSchemes.Names))
        {
            using LlamaModel model = scheme is null
                ? LlamaModel.Load(modelDirectory)
                : LlamaModel.Load(modelDirectory, null, tensors => QuantizationSchemes.Create(scheme, tensors, null));
            foreach (int threads in threadCounts)
            {
                ModelBench.DecodeResult decode = ModelBench.Decode(model, threads, tokens, bandwidthGBs(threads));
                if (scheme is null)
                {
                    dense[threads] = decode.TokensPerSecond;
                }

                results.Add(new SchemeDecode(
                    model.Scheme, threads, model.WeightBytesPerToken, decode.TokensPerSecond, decode.BandwidthRatio,
                    decode.TokensPerSecond / dense[threads]));
            }
        }

        return results;
    }
}
