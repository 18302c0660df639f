using System.Text.Json.Serialization;
using k8s.Models;

namespace QuantServe.Operator.Entities;

public sealed class InferenceServiceStatus
{
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
    [JsonPropertyName("phase")] public InferenceServicePhase? Phase { get; set; }
    [JsonPropertyName("conditions")] public List<V1Condition>? Conditions { get; set; }
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("replicas")] public int? Replicas { get; set; }
    [JsonPropertyName("readyReplicas")] public int? ReadyReplicas { get; set; }
    /// <summary>Label selector of the pods, for the scale subresource.</summary>
    [JsonPropertyName("selector")] public string? Selector { get; set; }
    /// <summary>Where the calibrated weights live (pvc://claim/path).</summary>
    [JsonPropertyName("quantizedModel")] public string? QuantizedModel { get; set; }
    [JsonPropertyName("quantizationJobName")] public string? QuantizationJobName { get; set; }
}
