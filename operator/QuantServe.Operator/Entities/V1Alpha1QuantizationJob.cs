using System.ComponentModel;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[KubernetesEntity(Group = V1Alpha1InferenceService.Group, ApiVersion = V1Alpha1InferenceService.Version, Kind = EntityKind, PluralName = Plural)]
[Description("A GPTQ calibration run of a model into a PersistentVolumeClaim.")]
[ShortName("qjob")]
[PrinterColumn(1, "Model", "string", ".spec.model.id")]
[PrinterColumn(2, "Bits", "integer", ".spec.bits")]
[PrinterColumn(3, "Phase", "string", ".status.phase")]
[PrinterColumn(4, "Output", "string", ".status.outputPath")]
[PrinterColumn(5, "Age", "date", ".metadata.creationTimestamp")]
public sealed class V1Alpha1QuantizationJob : IKubernetesObject<V1ObjectMeta>, ISpec<QuantizationJobSpec>, IStatus<QuantizationJobStatus?>
{
    public const string EntityKind = "QuantizationJob";
    public const string Plural = "quantizationjobs";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = V1Alpha1InferenceService.GroupVersion;
    [JsonPropertyName("kind")] public string Kind { get; set; } = EntityKind;
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public QuantizationJobSpec Spec { get; set; } = new();
    [JsonPropertyName("status")] public QuantizationJobStatus? Status { get; set; }
}
