using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[KubernetesEntity(Group = Group, ApiVersion = Version, Kind = EntityKind, PluralName = Plural)]
[Description("A quantized LLM served by GPU pods running the QuantServe image.")]
[ShortName("isvc"), ShortName("qsvc")]
[ScaleSubresource(".spec.replicas", ".status.replicas", ".status.selector")]
[PrinterColumn(1, "Model", "string", ".spec.model.id")]
[PrinterColumn(2, "Quantize", "string", ".spec.quantize")]
[PrinterColumn(3, "Shards", "integer", ".spec.shards")]
[PrinterColumn(4, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status")]
[PrinterColumn(5, "Phase", "string", ".status.phase")]
[PrinterColumn(6, "URL", "string", ".status.url")]
[PrinterColumn(7, "Age", "date", ".metadata.creationTimestamp")]
public sealed class V1Alpha1InferenceService : IKubernetesObject<V1ObjectMeta>, ISpec<InferenceServiceSpec>, IStatus<InferenceServiceStatus?>
{
    public const string Group = "quantserve.dev";
    public const string Version = "v1alpha1";
    public const string EntityKind = "InferenceService";
    public const string Plural = "inferenceservices";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = GroupVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = EntityKind;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public InferenceServiceSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public InferenceServiceStatus? Status { get; set; }
}
