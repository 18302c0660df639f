using k8s.Models;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>The model cache claim the operator creates when the user names none. It carries an
/// ownerReference (and so is garbage-collected) only with storage.deleteOnRemoval: a downloaded
/// or calibrated model is expensive to make again.</summary>
public static class ModelCacheClaimBuilder
{
    public const string DefaultSize = "100Gi";

    /// <summary>The claim the pods mount: the user's, or the one this builder makes.</summary>
    public static string ClaimName(V1Alpha1InferenceService service) =>
        service.Spec.Storage?.ClaimName ?? ChildNames.ModelCacheClaim(service.Metadata.Name);

    /// <summary>Null when the user gave an existing claim (nothing to create).</summary>
    public static V1PersistentVolumeClaim? Build(V1Alpha1InferenceService service)
    {
        var storage = service.Spec.Storage;
        if (storage?.ClaimName is not null) return null;
        return new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = ChildNames.ModelCacheClaim(service.Metadata.Name),
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = ChildLabels.ForInferenceService(service.Metadata.Name, "model-cache"),
                OwnerReferences = storage?.DeleteOnRemoval == true ? [OwnerReferences.ControllerOf(service)] : null,
            },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = storage?.AccessModes ?? ["ReadWriteOnce"],
                StorageClassName = storage?.StorageClassName,
                Resources = new V1VolumeResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(storage?.Size ?? DefaultSize) },
                },
            },
        };
    }
}
