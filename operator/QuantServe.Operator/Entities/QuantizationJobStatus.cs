using System.Text.Json.Serialization;
using k8s.Models;

namespace QuantServe.Operator.Entities;

public sealed class QuantizationJobStatus
{
    [JsonPropertyName("observedGeneration")] public long? ObservedGeneration { get; set; }
    [JsonPropertyName("phase")] public QuantizationJobPhase? Phase { get; set; }
    [JsonPropertyName("conditions")] public List<V1Condition>? Conditions { get; set; }
    /// <summary>pvc://claim/path of the quantized weights once Succeeded.</summary>
    [JsonPropertyName("outputPath")] public string? OutputPath { get; set; }
    [JsonPropertyName("jobName")] public string? JobName { get; set; }
    [JsonPropertyName("startTime")] public DateTime? StartTime { get; set; }
    [JsonPropertyName("completionTime")] public DateTime? CompletionTime { get; set; }
    [JsonPropertyName("perplexity")] public PerplexityResult? Perplexity { get; set; }
    [JsonPropertyName("lastProgress")] public string? LastProgress { get; set; }
}
