namespace QuantServe.KubeEmulator.Resources;

/// <summary>The built-in resources the operator (and kubectl) need.</summary>
internal static class BuiltInResources
{
    public static readonly ResourceType Namespaces = Core("namespaces", "namespace", "Namespace", namespaced: false, ["ns"], status: true) with
    {
        SelectableFields = ["status.phase"],
    };

    public static readonly ResourceType CustomResourceDefinitions = new()
    {
        Group = "apiextensions.k8s.io",
        Versions = ["v1"],
        Plural = "customresourcedefinitions",
        Singular = "customresourcedefinition",
        Kind = "CustomResourceDefinition",
        Namespaced = false,
        ShortNames = ["crd", "crds"],
        HasStatus = true,
    };

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespaces,
        Core("pods", "pod", "Pod", namespaced: true, ["po"], status: true) with
        {
            Categories = ["all"],
            SelectableFields = ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"],
        },
        Core("services", "service", "Service", namespaced: true, ["svc"], status: true) with { Categories = ["all"] },
        Core("secrets", "secret", "Secret", namespaced: true, [], status: false) with { SelectableFields = ["type"] },
        Core("configmaps", "configmap", "ConfigMap", namespaced: true, ["cm"], status: false),
        Core("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", namespaced: true, ["pvc"], status: true),
        Core("events", "event", "Event", namespaced: true, ["ev"], status: false) with
        {
            SelectableFields =
            [
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                "reason", "reportingComponent", "source", "type",
            ],
        },
        Core("serviceaccounts", "serviceaccount", "ServiceAccount", namespaced: true, ["sa"], status: false),
        new ResourceType
        {
            Group = "apps",
            Versions = ["v1"],
            Plural = "deployments",
            Singular = "deployment",
            Kind = "Deployment",
            Namespaced = true,
            ShortNames = ["deploy"],
            Categories = ["all"],
            HasStatus = true,
            Scale = new ScaleSubresource(".spec.replicas", ".status.replicas", null, SelectorFromSpec: true),
        },
        new ResourceType
        {
            Group = "batch",
            Versions = ["v1"],
            Plural = "jobs",
            Singular = "job",
            Kind = "Job",
            Namespaced = true,
            Categories = ["all"],
            HasStatus = true,
            SelectableFields = ["status.successful"],
        },
        new ResourceType
        {
            Group = "coordination.k8s.io",
            Versions = ["v1"],
            Plural = "leases",
            Singular = "lease",
            Kind = "Lease",
            Namespaced = true,
        },
        new ResourceType
        {
            Group = "events.k8s.io",
            Versions = ["v1"],
            Plural = "events",
            Singular = "event",
            Kind = "Event",
            Namespaced = true,
            ShortNames = ["ev"],
            SelectableFields = ["reason", "type", "reportingController", "regarding.kind", "regarding.name", "regarding.namespace", "regarding.uid"],
        },
        CustomResourceDefinitions,
        // Cluster-scoped; an operator that manages its own webhook certificate writes their caBundle.
        new ResourceType
        {
            Group = "admissionregistration.k8s.io",
            Versions = ["v1"],
            Plural = "validatingwebhookconfigurations",
            Singular = "validatingwebhookconfiguration",
            Kind = "ValidatingWebhookConfiguration",
            Namespaced = false,
        },
        new ResourceType
        {
            Group = "admissionregistration.k8s.io",
            Versions = ["v1"],
            Plural = "mutatingwebhookconfigurations",
            Singular = "mutatingwebhookconfiguration",
            Kind = "MutatingWebhookConfiguration",
            Namespaced = false,
        },
    ];

    private static ResourceType Core(string plural, string singular, string kind, bool namespaced, string[] shortNames, bool status) => new()
    {
        Group = "",
        Versions = ["v1"],
        Plural = plural,
        Singular = singular,
        Kind = kind,
        Namespaced = namespaced,
        ShortNames = shortNames,
        HasStatus = status,
    };
}
