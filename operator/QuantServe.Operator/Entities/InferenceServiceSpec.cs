using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("What to serve and how.")]
[CelRule("!has(self.quantization) || !self.quantization.calibrate || self.quantize == 'gptq'",
    "quantization.calibrate is only supported with quantize: gptq", FieldPath = ".quantization.calibrate")]
[CelRule("self.quantize != 'exl2' || self.shards == 1",
    "exl2 does not support shards > 1 (as in TGI)", FieldPath = ".shards")]
[CelRule("!has(self.dtype) || self.quantize in ['none', 'bitsandbytes', 'bitsandbytes-nf4', 'bitsandbytes-fp4']",
    "dtype can only be combined with quantize none or the bitsandbytes schemes (as in TGI)", FieldPath = ".dtype")]
public sealed class InferenceServiceSpec
{
    public static readonly string[] AllowedDtypes = ["float16", "bfloat16"];

    [Required, Description("The model to serve.")]
    [JsonPropertyName("model")] public ModelSource Model { get; set; } = new();

    [SchemaDefault, Description("Quantization scheme passed to the server as --quantize.")]
    [JsonPropertyName("quantize")] public QuantizeScheme Quantize { get; set; } = QuantizeScheme.None;

    [Description("GPTQ calibration before serving.")]
    [JsonPropertyName("quantization")] public GptqCalibration? Quantization { get; set; }

    [SchemaDefault, Description("GPUs per pod (tensor parallel shards): 1 or a power of two.")]
    [CelRule("self in [1, 2, 4, 8, 16, 32, 64]", "shards must be 1 or a power of two up to 64")]
    [JsonPropertyName("shards")] public int Shards { get; set; } = 1;

    [Description("GPU resource name and node selection.")]
    [JsonPropertyName("gpu")] public GpuSettings? Gpu { get; set; }

    [SchemaDefault, Description("Serving pods (the scale subresource drives it).")]
    [Range(0, int.MaxValue)]
    [JsonPropertyName("replicas")] public int Replicas { get; set; } = 1;

    [Description("Activation dtype (--dtype): float16 or bfloat16; only with none or bitsandbytes schemes.")]
    [AllowedValues("float16", "bfloat16")]
    [JsonPropertyName("dtype")] public string? Dtype { get; set; }

    [Description("Serving limits.")]
    [JsonPropertyName("server")] public ServerSettings? Server { get; set; }

    [Description("Model cache volume.")]
    [JsonPropertyName("storage")] public ModelCacheStorage? Storage { get; set; }

    [Description("Serving image; the operator's default when empty.")]
    [JsonPropertyName("image")] public string? Image { get; set; }

    [Description("Resources of the serving container (GPU limits are set from shards).")]
    [JsonPropertyName("resources")] public V1ResourceRequirements? Resources { get; set; }

    [JsonPropertyName("nodeSelector")] public Dictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("tolerations")] public List<V1Toleration>? Tolerations { get; set; }

    [JsonPropertyName("affinity")] public V1Affinity? Affinity { get; set; }

    [Description("Extra environment variables of the serving container.")]
    [JsonPropertyName("env")] public List<V1EnvVar>? Env { get; set; }

    [SchemaDefault, Description("How long a pod may take to download and load the model before it is restarted.")]
    [Range(30, 86400)]
    [JsonPropertyName("startupTimeoutSeconds")] public int StartupTimeoutSeconds { get; set; } = 1800;
}
