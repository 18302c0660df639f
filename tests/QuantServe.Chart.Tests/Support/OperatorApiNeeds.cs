namespace QuantServe.Chart.Tests.Support;

/// <summary>What the operator calls on the API server, in one place. The operator has no machine-readable
/// declaration of its needs, so they are listed here from its code: KubeApi's calls per resource
/// (informers: list+watch; ChildWriter: create, and update unless createOnly; status: PUT on /status;
/// EventRecorder: create; pods/log: get), KubernetesClient's LeaseLock (get, create, update) and, when the
/// operator manages its webhook certificate, one Secret and the two webhook configurations.
/// <see cref="Chart.ObservedRbacTests"/> checks the list against the requests a running operator makes.</summary>
public static class OperatorApiNeeds
{
    public sealed record Permission(string Group, string Resource, string Verb)
    {
        public override string ToString() => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource}";
    }

    private static IEnumerable<Permission> Grant(string group, string resource, params string[] verbs) =>
        verbs.Select(v => new Permission(group, resource, v));

    /// <summary>Cluster-wide (or watched-namespace) needs of the controllers.</summary>
    public static readonly IReadOnlySet<Permission> Controllers = new[]
    {
        // Informers on both kinds; the InferenceService controller creates QuantizationJobs (createOnly).
        Grant("quantserve.dev", "inferenceservices", "list", "watch"),
        Grant("quantserve.dev", "quantizationjobs", "create", "list", "watch"),
        // ReplaceStatusAsync: PUT .../status.
        Grant("quantserve.dev", "inferenceservices/status", "update"),
        Grant("quantserve.dev", "quantizationjobs/status", "update"),
        // OwnerReferences sets blockOwnerDeletion, which the API server checks as update on <owner>/finalizers.
        Grant("quantserve.dev", "inferenceservices/finalizers", "update"),
        Grant("quantserve.dev", "quantizationjobs/finalizers", "update"),
        // ChildWriter.EnsureAsync: create, then PUT to keep them in shape.
        Grant("apps", "deployments", "create", "list", "update", "watch"),
        Grant("", "services", "create", "list", "update", "watch"),
        // ChildWriter.EnsureAsync(createOnly: true).
        Grant("", "persistentvolumeclaims", "create", "list", "watch"),
        Grant("batch", "jobs", "create", "list", "watch"),
        // Informer for unschedulable pods and ListAsync of calibration pods; TailLogAsync.
        Grant("", "pods", "list", "watch"),
        Grant("", "pods/log", "get"),
        // EventRecorder.
        Grant("", "events", "create"),
    }.SelectMany(p => p).ToHashSet();

    /// <summary>Leader election on a Lease in the release namespace.</summary>
    public static readonly IReadOnlySet<Permission> LeaderElection = Grant("coordination.k8s.io", "leases", "create", "get", "update").ToHashSet();

    /// <summary>The operator-managed webhook certificate (cert-manager off), in the release namespace:
    /// WebhookCertificateSecret reads the Secret, creates it when absent, renews it with PUT.</summary>
    public static readonly IReadOnlySet<Permission> WebhookCertificateSecret = Grant("", "secrets", "create", "get", "update").ToHashSet();

    /// <summary>CaBundleInjector reads both webhook configurations (cluster-scoped) and PUTs them back with caBundle.</summary>
    public static readonly IReadOnlySet<Permission> WebhookConfigurations = new[]
    {
        Grant("admissionregistration.k8s.io", "validatingwebhookconfigurations", "get", "update"),
        Grant("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "get", "update"),
    }.SelectMany(p => p).ToHashSet();

    /// <summary>Every need, whatever the values.</summary>
    public static IReadOnlySet<Permission> All =>
        Controllers.Concat(LeaderElection).Concat(WebhookCertificateSecret).Concat(WebhookConfigurations).ToHashSet();

    /// <summary>Needs the API server checks without a request of the operator's own (so no emulator sees them).</summary>
    public static readonly IReadOnlySet<Permission> ImpliedOnly = Controllers.Where(p => p.Resource.EndsWith("/finalizers", StringComparison.Ordinal)).ToHashSet();

    /// <summary>The permission a REST request needs: /api/v1/... or /apis/group/version/..., namespaced or not.
    /// Null for discovery and other non-resource paths.</summary>
    public static Permission? Of(string method, string path, bool isWatch)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int rest;
        string group;
        if (parts.Length >= 2 && parts[0] == "api") (group, rest) = ("", 2);
        else if (parts.Length >= 3 && parts[0] == "apis") (group, rest) = (parts[1], 3);
        else return null;
        var tail = parts[rest..];
        if (tail.Length >= 2 && tail[0] == "namespaces" && tail.Length > 2) tail = tail[2..];
        if (tail.Length == 0) return null;
        var resource = tail[0] + (tail.Length >= 3 ? "/" + tail[2] : "");
        var onObject = tail.Length >= 2;
        var verb = method switch
        {
            "GET" when isWatch => "watch",
            "GET" => onObject ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => onObject ? "delete" : "deletecollection",
            _ => throw new ArgumentException($"no RBAC verb for {method} {path}"),
        };
        return new Permission(group, resource, verb);
    }
}
