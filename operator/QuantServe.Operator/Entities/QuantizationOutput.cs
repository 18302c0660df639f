using System.ComponentModel;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("Where the quantized weights go: an existing claim, or one the operator creates.")]
public sealed class QuantizationOutput
{
    [Description("An existing PersistentVolumeClaim (never deleted by the operator).")]
    [JsonPropertyName("claimName")] public string? ClaimName { get; set; }

    [Description("Size of the claim to create when claimName is empty (default 50Gi).")]
    [JsonPropertyName("size")] public string? Size { get; set; }

    [JsonPropertyName("storageClassName")] public string? StorageClassName { get; set; }

    [Description("Directory inside the claim; defaults to quantized/<job name>.")]
    [CelRule("!self.startsWith('/') && !self.contains('..')", "path must be relative and must not contain '..'")]
    [JsonPropertyName("path")] public string? Path { get; set; }
}
