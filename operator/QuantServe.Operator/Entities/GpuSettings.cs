using System.ComponentModel;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("Which GPUs the pods ask for.")]
public sealed class GpuSettings
{
    public const string DefaultResourceName = "nvidia.com/gpu";

    [SchemaDefault, Description("Extended resource name of the GPU.")]
    [JsonPropertyName("resourceName")] public string ResourceName { get; set; } = DefaultResourceName;

    [Description("Node labels a GPU node must carry (merged into the pod's nodeSelector), e.g. nvidia.com/gpu.product.")]
    [JsonPropertyName("nodeSelector")] public Dictionary<string, string>? NodeSelector { get; set; }
}
