using System.ComponentModel;
using System.Text.Json.Serialization;
using QuantServe.Operator.Crds;

namespace QuantServe.Operator.Entities;

[Description("The model cache (HF_HOME): an existing claim, or one the operator creates.")]
[CelRule("!has(self.claimName) || (!has(self.size) && !has(self.storageClassName))",
    "give either claimName (an existing claim) or size/storageClassName (a claim to create), not both", FieldPath = ".claimName")]
public sealed class ModelCacheStorage
{
    [Description("An existing PersistentVolumeClaim; never deleted by the operator.")]
    [JsonPropertyName("claimName")] public string? ClaimName { get; set; }

    [Description("Size of the claim to create (default 100Gi).")]
    [JsonPropertyName("size")] public string? Size { get; set; }

    [Description("StorageClass of the claim to create; the cluster default when empty.")]
    [JsonPropertyName("storageClassName")] public string? StorageClassName { get; set; }

    [Description("Access modes of the claim to create (ReadWriteMany lets replicas on several nodes share it).")]
    [JsonPropertyName("accessModes")] public List<string>? AccessModes { get; set; }

    [SchemaDefault, Description("Delete the claim the operator created when the InferenceService is deleted.")]
    [JsonPropertyName("deleteOnRemoval")] public bool DeleteOnRemoval { get; set; }
}
