using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using QuantServe.Engine.Checkpoints;

namespace QuantServe.Tools.TrainBundledModel.Modeling;

/// <summary>Writes the model as a Hugging Face LlamaForCausalLM directory: bf16 model.safetensors, config.json, generation_config.json.</summary>
public static class CheckpointExporter
{
    public static void Write(string directory, LlamaTrainingModel model, int bosTokenId, int eosTokenId, IReadOnlyDictionary<string, string> metadata)
    {
        Directory.CreateDirectory(directory);
        var tensors = new List<TensorData>();
        foreach (var (name, parameter) in model.NamedParameters)
        {
            float[] values = parameter.data<float>().ToArray();
            ushort[] bits = BFloat16Rounding.Round(values, out _);
            var bytes = new byte[bits.Length * 2];
            for (int i = 0; i < bits.Length; i++)
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), bits[i]);
            tensors.Add(new TensorData(name, SafetensorsDType.BF16, parameter.shape.ToArray(), bytes));
        }
        SafetensorsWriter.Write(Path.Combine(directory, SafetensorsWriter.SingleFileName), tensors, metadata);

        var s = model.Shape;
        var config = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["vocab_size"] = s.VocabSize,
            ["hidden_size"] = s.HiddenSize,
            ["intermediate_size"] = s.IntermediateSize,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.KeyValueHeads,
            ["head_dim"] = s.HeadDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = s.ContextLength,
            ["rms_norm_eps"] = s.RmsNormEps,
            ["rope_theta"] = s.RopeTheta,
            ["rope_scaling"] = null,
            ["attention_bias"] = false,
            ["attention_dropout"] = 0.0,
            ["mlp_bias"] = false,
            ["initializer_range"] = 0.02,
            ["tie_word_embeddings"] = true,
            ["bos_token_id"] = bosTokenId,
            ["eos_token_id"] = eosTokenId,
            ["torch_dtype"] = "bfloat16",
            ["use_cache"] = true,
        };
        var generation = new JsonObject
        {
            ["bos_token_id"] = bosTokenId,
            ["eos_token_id"] = eosTokenId,
            ["do_sample"] = true,
            ["temperature"] = 0.8,
            ["top_p"] = 0.95,
        };
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), generation.ToJsonString(options) + "\n");
    }
}
