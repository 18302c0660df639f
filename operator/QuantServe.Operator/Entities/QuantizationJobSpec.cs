using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using k8s.Models;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("A GPTQ calibration run: a batch Job that writes quantized weights to a claim.")]
[CelRule("!has(self.output) || !has(self.output.claimName) || !has(self.output.size)",
    "give output.claimName or output.size, not both", FieldPath = ".output.claimName")]
public sealed class QuantizationJobSpec : GptqParameters
{
    [Required, Description("The model to quantize.")]
    [JsonPropertyName("model")] public ModelSource Model { get; set; } = new();

    [Description("Where the quantized weights go.")]
    [JsonPropertyName("output")] public QuantizationOutput? Output { get; set; }

    [Description("Perplexity comparison after calibration; skipped when empty.")]
    [JsonPropertyName("evaluate")] public EvaluationSettings? Evaluate { get; set; }

    [JsonPropertyName("image")] public string? Image { get; set; }

    [JsonPropertyName("resources")] public V1ResourceRequirements? Resources { get; set; }

    [JsonPropertyName("gpu")] public GpuSettings? Gpu { get; set; }

    [JsonPropertyName("nodeSelector")] public Dictionary<string, string>? NodeSelector { get; set; }

    [JsonPropertyName("tolerations")] public List<V1Toleration>? Tolerations { get; set; }

    [SchemaDefault, Description("Retries of the calibration pod before the run is Failed.")]
    [Range(0, 100)]
    [JsonPropertyName("backoffLimit")] public int BackoffLimit { get; set; } = 2;
}
