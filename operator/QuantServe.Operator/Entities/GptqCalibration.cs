using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s.Models;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("GPTQ calibration of the model before serving (quantize: gptq only).")]
public sealed class GptqCalibration : GptqParameters
{
    [SchemaDefault, Description("Run a calibration Job (QuantizationJob) and serve its output.")]
    [JsonPropertyName("calibrate")] public bool Calibrate { get; set; }

    [Description("Quality gate: the rollout is blocked when the quantized perplexity exceeds the base by more than this percentage.")]
    [System.ComponentModel.DataAnnotations.Range(0.0, 10000.0)]
    [JsonPropertyName("maxPerplexityIncreasePercent")] public double? MaxPerplexityIncreasePercent { get; set; }

    [Description("Dataset used for the perplexity comparison; defaults to the calibration dataset.")]
    [JsonPropertyName("evaluationDataset")] public string? EvaluationDataset { get; set; }

    [Description("Resources of the calibration pod (GPU limits are added from gpu).")]
    [JsonPropertyName("resources")] public V1ResourceRequirements? Resources { get; set; }
}
