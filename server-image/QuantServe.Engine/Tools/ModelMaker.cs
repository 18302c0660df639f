using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Weights;
using QuantServe.Kernels.Cpu;

namespace QuantServe.Engine.Tools;

/// <summary>
/// Writes a deterministic random-weights checkpoint (config.json, model.safetensors, a byte-level BPE
/// tokenizer) of any Llama-family shape. Scales keep activations and logits in a realistic range:
/// projections uniform with std 1/sqrt(in_features), embeddings with std 2/sqrt(hidden) (logits of
/// std about 2), norm weights around 1, small biases.
/// </summary>
public static class ModelMaker
{
    public static void Write(string directory, ModelSpec spec)
    {
        int vocab = spec.VocabSize ?? SyntheticTokenizer.VocabSize;
        if (vocab < SyntheticTokenizer.VocabSize)
            throw new ArgumentException($"vocab size {vocab} is smaller than the synthetic tokenizer's {SyntheticTokenizer.VocabSize}");
        int headDim = spec.HeadDim ?? spec.HiddenSize / spec.Heads;
        var temporary = directory.TrimEnd('/') + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temporary))
            Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        try
        {
            SyntheticTokenizer.WriteByteLevel(temporary);
            var tokenizer = Tokenizer.Load(temporary);
            var config = Config(spec, vocab, headDim);
            config["bos_token_id"] = tokenizer.BosTokenId;
            config["eos_token_id"] = tokenizer.EosTokenIds.Count > 0 ? tokenizer.EosTokenIds[0] : null;
            File.WriteAllText(Path.Combine(temporary, "config.json"), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            SafetensorsWriter.Write(Path.Combine(temporary, "model.safetensors"), Tensors(spec, vocab, headDim),
                new Dictionary<string, string> { ["format"] = "pt" });
            if (Directory.Exists(directory))
                Directory.Delete(directory, recursive: true);
            Directory.Move(temporary, directory);
        }
        catch
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    private static JsonObject Config(ModelSpec spec, int vocab, int headDim)
    {
        var architecture = ModelConfig.SupportedArchitectures.First(p => p.Value == spec.Architecture).Key;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(architecture),
            ["model_type"] = spec.Architecture.ToString().ToLowerInvariant(),
            ["hidden_size"] = spec.HiddenSize,
            ["intermediate_size"] = spec.IntermediateSize,
            ["num_hidden_layers"] = spec.Layers,
            ["num_attention_heads"] = spec.Heads,
            ["num_key_value_heads"] = spec.KvHeads,
            ["head_dim"] = headDim,
            ["vocab_size"] = vocab,
            ["rms_norm_eps"] = 1e-5,
            ["rope_theta"] = spec.RopeTheta,
            ["max_position_embeddings"] = spec.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = spec.TieWordEmbeddings,
            ["torch_dtype"] = WeightDTypes.Name(spec.DType),
        };
        if (spec.RopeScaling is { } s)
        {
            var scaling = new JsonObject { ["rope_type"] = s.Type.ToString().ToLowerInvariant(), ["factor"] = s.Factor };
            if (s.Type == RopeScalingType.Llama3)
            {
                scaling["low_freq_factor"] = s.LowFreqFactor;
                scaling["high_freq_factor"] = s.HighFreqFactor;
                scaling["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings ?? spec.MaxPositionEmbeddings;
            }
            config["rope_scaling"] = scaling;
        }
        if (spec.SlidingWindow is int window)
        {
            config["sliding_window"] = window;
            if (spec.Architecture == ModelArchitecture.Qwen2)
                config["use_sliding_window"] = true;
        }
        return config;
    }

    private static IEnumerable<TensorData> Tensors(ModelSpec spec, int vocab, int headDim)
    {
        int h = spec.HiddenSize, i = spec.IntermediateSize, q = spec.Heads * headDim, kv = spec.KvHeads * headDim;
        yield return Random(spec, "model.embed_tokens.weight", [vocab, h], 2.0 / Math.Sqrt(h));
        for (int l = 0; l < spec.Layers; l++)
        {
            var p = $"model.layers.{l}";
            yield return Random(spec, p + ".input_layernorm.weight", [h], 0.1, mean: 1.0);
            yield return Random(spec, p + ".self_attn.q_proj.weight", [q, h], 1.0 / Math.Sqrt(h));
            yield return Random(spec, p + ".self_attn.k_proj.weight", [kv, h], 1.0 / Math.Sqrt(h));
            yield return Random(spec, p + ".self_attn.v_proj.weight", [kv, h], 1.0 / Math.Sqrt(h));
            if (spec.Architecture == ModelArchitecture.Qwen2)
            {
                yield return Random(spec, p + ".self_attn.q_proj.bias", [q], 0.05);
                yield return Random(spec, p + ".self_attn.k_proj.bias", [kv], 0.05);
                yield return Random(spec, p + ".self_attn.v_proj.bias", [kv], 0.05);
            }
            yield return Random(spec, p + ".self_attn.o_proj.weight", [h, q], 1.0 / Math.Sqrt(q));
            yield return Random(spec, p + ".post_attention_layernorm.weight", [h], 0.1, mean: 1.0);
            yield return Random(spec, p + ".mlp.gate_proj.weight", [i, h], 1.0 / Math.Sqrt(h));
            yield return Random(spec, p + ".mlp.up_proj.weight", [i, h], 1.0 / Math.Sqrt(h));
            yield return Random(spec, p + ".mlp.down_proj.weight", [h, i], 1.0 / Math.Sqrt(i));
        }
        yield return Random(spec, "model.norm.weight", [h], 0.1, mean: 1.0);
        if (!spec.TieWordEmbeddings)
            yield return Random(spec, "lm_head.weight", [vocab, h], 2.0 / Math.Sqrt(h));
    }

    // Uniform values with the given mean and standard deviation; the stream depends only on the seed and the name.
    private static TensorData Random(ModelSpec spec, string name, long[] shape, double std, double mean = 0.0)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var random = new Random(HashCode(name) ^ spec.Seed);
        double halfWidth = std * Math.Sqrt(3.0);
        var values = new float[count];
        for (long k = 0; k < count; k++)
            values[k] = (float)(mean + (random.NextDouble() * 2 - 1) * halfWidth);
        byte[] bytes;
        switch (spec.DType)
        {
            case WeightDType.F32:
                bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
                break;
            case WeightDType.F16:
                var halves = new Half[count];
                FloatConversions.F32ToF16(values, halves);
                bytes = MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
                break;
            default:
                var bf16 = new ushort[count];
                FloatConversions.F32ToBF16(values, bf16);
                bytes = MemoryMarshal.AsBytes(bf16.AsSpan()).ToArray();
                break;
        }
        return new TensorData(name, WeightDTypes.ToSafetensors(spec.DType), shape, bytes);
    }

    // FNV-1a: a name hash that, unlike string.GetHashCode, is the same in every process.
    private static int HashCode(string name)
    {
        uint hash = 2166136261;
        foreach (char c in name)
            hash = (hash ^ c) * 16777619;
        return (int)hash;
    }
}
