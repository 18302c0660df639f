namespace QuantServe.Operator.Runtime;

/// <summary>An API resource: enough to build every REST path the runtime uses. Namespaced unless
/// <see cref="Namespaced"/> is false (then the namespace given to the path builders is ignored).</summary>
public sealed record KubeResource(string Group, string Version, string Plural, string Kind)
{
    public static readonly KubeResource Deployments = new("apps", "v1", "deployments", "Deployment");
    public static readonly KubeResource Services = new("", "v1", "services", "Service");
    public static readonly KubeResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim");
    public static readonly KubeResource Pods = new("", "v1", "pods", "Pod");
    public static readonly KubeResource Jobs = new("batch", "v1", "jobs", "Job");
    public static readonly KubeResource Events = new("", "v1", "events", "Event");
    public static readonly KubeResource Secrets = new("", "v1", "secrets", "Secret");
    public static readonly KubeResource ValidatingWebhookConfigurations =
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration") { Namespaced = false };
    public static readonly KubeResource MutatingWebhookConfigurations =
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration") { Namespaced = false };

    public bool Namespaced { get; init; } = true;

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>/api/v1 for the core group, /apis/group/version otherwise.</summary>
    public string Prefix => Group.Length == 0 ? "/api/" + Version : $"/apis/{Group}/{Version}";

    /// <summary>The collection path: all namespaces when <paramref name="ns"/> is null.</summary>
    public string CollectionPath(string? ns) =>
        ns is null || !Namespaced ? $"{Prefix}/{Plural}" : $"{Prefix}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";

    public string ObjectPath(string ns, string name, string? subresource = null) =>
        CollectionPath(ns) + "/" + Uri.EscapeDataString(name) + (subresource is null ? "" : "/" + subresource);

    public override string ToString() => Group.Length == 0 ? Plural : Plural + "." + Group;
}
