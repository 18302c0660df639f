using k8s.Models;
using QuantServe.Operator.Entities;

namespace QuantServe.Operator.Builders;

/// <summary>The ClusterIP Service in front of the serving pods: port 80 to the container's 8080.</summary>
public static class ServiceBuilder
{
    public const int Port = 80;

    public static V1Service Build(V1Alpha1InferenceService service) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = ChildNames.Service(service.Metadata.Name),
            NamespaceProperty = service.Metadata.NamespaceProperty,
            Labels = ChildLabels.ForInferenceService(service.Metadata.Name, "server"),
            OwnerReferences = [OwnerReferences.ControllerOf(service)],
        },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = ChildLabels.Selector(service.Metadata.Name),
            Ports = [new V1ServicePort { Name = "http", Port = Port, TargetPort = "http", Protocol = "TCP" }],
        },
    };

    /// <summary>The in-cluster URL the status reports.</summary>
    public static string Url(V1Alpha1InferenceService service) =>
        $"http://{ChildNames.Service(service.Metadata.Name)}.{service.Metadata.NamespaceProperty}.svc.cluster.local";
}
