using k8s;
using k8s.Models;

namespace QuantServe.Operator.Builders;

/// <summary>The controller ownerReference that lets garbage collection remove a child and lets the
/// child's watch requeue its owner.</summary>
public static class OwnerReferences
{
    public static V1OwnerReference ControllerOf(IKubernetesObject<V1ObjectMeta> owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };
}
