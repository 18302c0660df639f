using System.Diagnostics;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;
using QuantServe.Engine.Weights;

namespace QuantServe.Engine.Calibration;

/// <summary>
/// Quantizes a Llama-family checkpoint into a GPTQ checkpoint, block by block as the GPTQ paper does:
/// the calibration sequences' embeddings are the inputs of block 0; for each block, each group of
/// projections that share an input ([k, v, q], [o], [up, gate], [down]) gets the Hessian of that input,
/// accumulated over every sequence with the block's already-quantized projections in place, and its
/// GPTQ update; then the block is run with all its quantized weights and its outputs become the next
/// block's inputs. Memory: one block's fp32 weights, one input's Hessian, and the calibration
/// activations (sequences x tokens x hidden fp32), whatever the depth. RTN needs no calibration data.
/// </summary>
public static unsafe class GptqModelQuantizer
{
    public static QuantizeSummary Quantize(
        string modelDirectory, string outputDirectory, GptqOptions options, QuantizationMethod method,
        IReadOnlyList<int[]>? samples, Action<LayerReport>? onLayer = null)
    {
        var clock = Stopwatch.StartNew();
        if (method == QuantizationMethod.Gptq && (samples is null || samples.Count == 0))
            throw new ArgumentException("GPTQ needs calibration samples");
        var (config, projections) = Plan(modelDirectory, options);
        using var checkpoint = SafetensorsCheckpoint.Open(modelDirectory);
        var tensors = new CheckpointTensors(checkpoint);
        var groups = BlockProjection.SequentialGroups(config);
        using var writer = new GptqCheckpointWriter(outputDirectory, checkpoint, options, projections);
        int h = config.HiddenSize, index = 0;
        double totalError = 0;
        float[][]? hidden = method == QuantizationMethod.Gptq ? Embed(config, tensors, samples!) : null;
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            using var block = new CalibrationBlock(config, tensors, layer);
            foreach (var group in groups)
            {
                HessianAccumulator? hessian = null;
                if (hidden is not null)
                {
                    var input = group[0].Input;
                    hessian = new HessianAccumulator(group[0].InFeatures);
                    var scratch = new float[hidden[0].Length];
                    foreach (var sample in hidden)
                    {
                        sample.CopyTo(scratch, 0);
                        fixed (float* x = scratch)
                            block.Forward(x, sample.Length / h, input, (seen, values, rows) =>
                            {
                                if (seen == input)
                                    hessian.Add((float*)values, rows);
                            });
                    }
                }
                // The Hessian's factor is shared by the group; its cost is reported with the group's first projection.
                var started = Stopwatch.GetTimestamp();
                var prepared = hessian is null ? null : GptqSolver.Prepare(hessian.ToHessian(), hessian.InFeatures, options);
                hessian = null;
                foreach (var p in group)
                {
                    var weight = block.Weight(p.Name);
                    var quantized = prepared is null
                        ? RoundToNearest.Quantize(weight, p.OutFeatures, p.InFeatures, options)
                        : GptqSolver.Quantize(weight, p.OutFeatures, prepared, options);
                    block.ReplaceWeight(p.Name, quantized.Dequantize());
                    writer.Write($"{block.Prefix}.{p.Name}", quantized);
                    totalError += quantized.Error;
                    onLayer?.Invoke(new LayerReport(layer, p.Name, ++index, projections.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, quantized.Error));
                    started = Stopwatch.GetTimestamp();
                }
                // Hessians, factors and replaced weights are K x K and N x K arrays on the large-object heap;
                // collecting them now keeps the peak at what one group needs instead of several groups' garbage.
                prepared = null;
                GC.Collect();
            }
            if (hidden is not null)
                foreach (var sample in hidden)
                    fixed (float* x = sample)
                        block.Forward(x, sample.Length / h);
        }
        writer.Complete();
        long tokens = samples?.Sum(s => (long)s.Length) ?? 0;
        return new QuantizeSummary(Path.GetFullPath(outputDirectory), projections.Count, clock.Elapsed.TotalSeconds, totalError, tokens, PeakWorkingSet());
    }

    // The process's high-water mark (VmHWM on Linux): what a Job's memory limit must allow.
    /// <summary>
    /// The checks that need no calibration data, so that a command can fail before reading it: the model is
    /// not already quantized, every projection packs at these bits, and the output directory can be made
    /// (its temporary sibling is created and removed).
    /// </summary>
    public static void Preflight(string modelDirectory, string outputDirectory, GptqOptions options)
    {
        var (config, projections) = Plan(modelDirectory, options);
        using var checkpoint = SafetensorsCheckpoint.Open(modelDirectory);
        using var writer = new GptqCheckpointWriter(outputDirectory, checkpoint, options, projections);
    }

    private static (ModelConfig Config, List<(string, int, int)> Projections) Plan(string modelDirectory, GptqOptions options)
    {
        options.Validate();
        var config = ModelConfig.Load(modelDirectory);
        if (config.QuantizationConfig is { } declared)
        {
            string kind = declared.ValueKind == System.Text.Json.JsonValueKind.Object && declared.TryGetProperty("quant_method", out var m) ? m.ToString() : "unknown";
            throw new InvalidOperationException(
                $"{Path.Combine(modelDirectory, "config.json")} has a quantization_config (quant_method {kind}): the model is already quantized; quantize its fp16/bf16/fp32 original");
        }
        using (var checkpoint = SafetensorsCheckpoint.Open(modelDirectory))
            foreach (var name in checkpoint.TensorNames)
                if (name.EndsWith(".qweight", StringComparison.Ordinal))
                    throw new InvalidOperationException($"{modelDirectory}: tensor '{name}' is already quantized; quantize the unquantized original");
        var projections = new List<(string, int, int)>();
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
            foreach (var group in BlockProjection.SequentialGroups(config))
                foreach (var p in group)
                    projections.Add(($"model.layers.{layer}.{p.Name}", p.OutFeatures, p.InFeatures));
        foreach (var (prefix, n, k) in projections)
            if ((long)k * options.Bits % 32 != 0 || (long)n * options.Bits % 32 != 0)
                throw new InvalidOperationException($"'{prefix}' is [{n}, {k}]: GPTQ packing at {options.Bits} bits needs in and out features times bits to be multiples of 32");
        return (config, projections);
    }

    private static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static float[][] Embed(ModelConfig config, CheckpointTensors tensors, IReadOnlyList<int[]> samples)
    {
        int h = config.HiddenSize;
        using var embedding = tensors.Matrix("model.embed_tokens.weight", config.VocabSize, h, null);
        var hidden = new float[samples.Count][];
        for (int s = 0; s < samples.Count; s++)
        {
            var ids = samples[s];
            hidden[s] = new float[(long)ids.Length * h];
            for (int t = 0; t < ids.Length; t++)
            {
                if ((uint)ids[t] >= (uint)config.VocabSize)
                    throw new ArgumentException($"calibration token id {ids[t]} is outside the model's vocabulary [0, {config.VocabSize})");
                embedding.ReadRow(ids[t], hidden[s].AsSpan(t * h, h));
            }
        }
        return hidden;
    }
}
