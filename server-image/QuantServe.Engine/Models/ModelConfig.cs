using System.Text.Json;

namespace QuantServe.Engine.Models;

/// <summary>
/// The parts of a Hugging Face config.json that the Llama family's forward pass needs, with the
/// defaults of transformers' LlamaConfig / MistralConfig / Qwen2Config where a key is absent.
/// </summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlyDictionary<string, ModelArchitecture> SupportedArchitectures =
        new Dictionary<string, ModelArchitecture>(StringComparer.Ordinal)
        {
            ["LlamaForCausalLM"] = ModelArchitecture.Llama,
            ["MistralForCausalLM"] = ModelArchitecture.Mistral,
            ["Qwen2ForCausalLM"] = ModelArchitecture.Qwen2,
        };

    public required ModelArchitecture Architecture { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Attention sees at most this many most recent tokens (Mistral, Qwen2 with use_sliding_window).</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Biases on q/k/v (Qwen2 always; Llama when <c>attention_bias</c>). o_proj gets one only with <see cref="OutputProjectionBias"/>.</summary>
    public bool QkvBias { get; init; }
    public bool OutputProjectionBias { get; init; }
    public bool MlpBias { get; init; }

    /// <summary>The checkpoint's <c>torch_dtype</c> ("bfloat16", "float16", "float32"), if stated.</summary>
    public string? TorchDtype { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The raw <c>quantization_config</c> object, for the quantization loaders to interpret.</summary>
    public JsonElement? QuantizationConfig { get; init; }

    public static ModelConfig Load(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(path))
            throw new ModelConfigException($"{path}: not found. A model directory needs config.json, tokenizer.json and *.safetensors.");
        return Parse(File.ReadAllText(path), path);
    }

    public static ModelConfig Parse(string json, string source = "config.json")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{source}: not valid JSON ({e.Message}).", e);
        }
        using (document)
        {
            var reader = new ConfigReader(document.RootElement, source);
            return reader.Read();
        }
    }

    /// <summary>Reads one config object; every error names the file and the key.</summary>
    private sealed class ConfigReader(JsonElement root, string source)
    {
        public ModelConfig Read()
        {
            if (root.ValueKind != JsonValueKind.Object)
                throw Error("the top level must be a JSON object");
            var architecture = ReadArchitecture();
            int hidden = RequiredPositiveInt("hidden_size");
            int heads = RequiredPositiveInt("num_attention_heads");
            int kvHeads = OptionalInt("num_key_value_heads") ?? heads;
            int headDim = OptionalInt("head_dim") ?? (hidden % heads == 0 ? hidden / heads
                : throw Error($"hidden_size {hidden} is not divisible by num_attention_heads {heads}; set head_dim"));
            if (kvHeads <= 0 || heads % kvHeads != 0)
                throw Error($"num_attention_heads {heads} must be a positive multiple of num_key_value_heads {kvHeads}");
            if (headDim <= 0 || headDim % 2 != 0)
                throw Error($"head_dim {headDim} must be positive and even (rotary embeddings rotate pairs)");

            int? slidingWindow = OptionalInt("sliding_window");
            // Qwen2 configs carry a sliding_window that is only active with use_sliding_window.
            if (architecture == ModelArchitecture.Qwen2 && OptionalBool("use_sliding_window") != true)
                slidingWindow = null;
            if (architecture == ModelArchitecture.Llama)
                slidingWindow = null;
            if (slidingWindow is <= 0)
                throw Error($"sliding_window must be positive, got {slidingWindow}");

            bool attentionBias = OptionalBool("attention_bias") ?? false;
            return new ModelConfig
            {
                Architecture = architecture,
                HiddenSize = hidden,
                IntermediateSize = RequiredPositiveInt("intermediate_size"),
                NumHiddenLayers = RequiredPositiveInt("num_hidden_layers"),
                NumAttentionHeads = heads,
                NumKeyValueHeads = kvHeads,
                HeadDim = headDim,
                VocabSize = RequiredPositiveInt("vocab_size"),
                RmsNormEps = OptionalDouble("rms_norm_eps") ?? 1e-6,
                RopeTheta = OptionalDouble("rope_theta") ?? 10000.0,
                RopeScaling = ReadRopeScaling(),
                MaxPositionEmbeddings = OptionalInt("max_position_embeddings") ?? 2048,
                TieWordEmbeddings = OptionalBool("tie_word_embeddings") ?? false,
                SlidingWindow = slidingWindow,
                QkvBias = architecture == ModelArchitecture.Qwen2 || attentionBias,
                OutputProjectionBias = architecture != ModelArchitecture.Qwen2 && attentionBias,
                MlpBias = OptionalBool("mlp_bias") ?? false,
                TorchDtype = OptionalString("torch_dtype") ?? OptionalString("dtype"),
                BosTokenId = OptionalInt("bos_token_id"),
                EosTokenIds = ReadEosTokenIds(),
                QuantizationConfig = root.TryGetProperty("quantization_config", out var q) && q.ValueKind == JsonValueKind.Object ? q.Clone() : null,
            };
        }

        private ModelArchitecture ReadArchitecture()
        {
            var supported = string.Join(", ", SupportedArchitectures.Keys);
            if (!root.TryGetProperty("architectures", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                throw Error($"'architectures' is missing; supported architectures: {supported}");
            var name = list[0].ValueKind == JsonValueKind.String ? list[0].GetString()! : list[0].ToString();
            return SupportedArchitectures.TryGetValue(name, out var architecture)
                ? architecture
                : throw Error($"architecture '{name}' is not supported; supported architectures: {supported}");
        }

        private RopeScaling? ReadRopeScaling()
        {
            if (!root.TryGetProperty("rope_scaling", out var scaling) || scaling.ValueKind == JsonValueKind.Null)
                return null;
            if (scaling.ValueKind != JsonValueKind.Object)
                throw Error("rope_scaling must be an object or null");
            var typeName = (scaling.TryGetProperty("rope_type", out var t) || scaling.TryGetProperty("type", out t)) && t.ValueKind == JsonValueKind.String
                ? t.GetString()! : throw Error("rope_scaling needs 'rope_type' (or 'type')");
            var type = typeName switch
            {
                "linear" => RopeScalingType.Linear,
                "dynamic" => RopeScalingType.Dynamic,
                "llama3" => RopeScalingType.Llama3,
                "default" => (RopeScalingType?)null,
                _ => throw Error($"rope_scaling type '{typeName}' is not supported; supported: linear, dynamic, llama3"),
            };
            if (type is null)
                return null;
            double factor = Number(scaling, "rope_scaling.factor") ?? throw Error("rope_scaling needs 'factor'");
            if (!(factor >= 1.0))
                throw Error($"rope_scaling.factor must be >= 1, got {factor}");
            return new RopeScaling(
                type.Value,
                factor,
                Number(scaling, "rope_scaling.low_freq_factor") ?? 1.0,
                Number(scaling, "rope_scaling.high_freq_factor") ?? 4.0,
                scaling.TryGetProperty("original_max_position_embeddings", out var o) && o.ValueKind == JsonValueKind.Number ? o.GetInt32() : null);
        }

        private IReadOnlyList<int> ReadEosTokenIds()
        {
            if (!root.TryGetProperty("eos_token_id", out var eos))
                return [];
            return eos.ValueKind switch
            {
                JsonValueKind.Number => [eos.GetInt32()],
                JsonValueKind.Array => eos.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt32() : throw Error("eos_token_id entries must be integers")).ToArray(),
                JsonValueKind.Null => [],
                _ => throw Error("eos_token_id must be an integer or a list of integers"),
            };
        }

        private int RequiredPositiveInt(string key)
        {
            var value = OptionalInt(key) ?? throw Error($"'{key}' is missing");
            return value > 0 ? value : throw Error($"'{key}' must be positive, got {value}");
        }

        private int? OptionalInt(string key)
        {
            if (!root.TryGetProperty(key, out var e) || e.ValueKind == JsonValueKind.Null)
                return null;
            return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : throw Error($"'{key}' must be an integer, got {e}");
        }

        private double? OptionalDouble(string key) => Number(root, key);

        private double? Number(JsonElement obj, string key)
        {
            var name = key.Contains('.') ? key[(key.LastIndexOf('.') + 1)..] : key;
            if (!obj.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
                return null;
            return e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Error($"'{key}' must be a number, got {e}");
        }

        private bool? OptionalBool(string key)
        {
            if (!root.TryGetProperty(key, out var e) || e.ValueKind == JsonValueKind.Null)
                return null;
            return e.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error($"'{key}' must be true or false, got {e}"),
            };
        }

        private string? OptionalString(string key) =>
            root.TryGetProperty(key, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

        private ModelConfigException Error(string what) => new($"{source}: {what}.");
    }
}
