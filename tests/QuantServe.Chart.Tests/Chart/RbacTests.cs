using System.Reflection;
using System.Text.Json.Nodes;
using QuantServe.Chart.Tests.Support;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;

namespace QuantServe.Chart.Tests.Chart;

/// <summary>The chart grants exactly what the operator calls. The operator has no machine-readable
/// declaration of its needs, so they are listed here, in one place, from its code: KubeApi's calls per
/// resource (informers: list+watch; ChildWriter: create, and update unless createOnly; status: PUT on
/// /status; EventRecorder: create; pods/log: get) and KubernetesClient's LeaseLock (get, create, update).</summary>
public sealed class RbacTests
{
    private sealed record Permission(string Group, string Resource, string Verb);

    private static IEnumerable<Permission> Grant(string group, string resource, params string[] verbs) =>
        verbs.Select(v => new Permission(group, resource, v));

    /// <summary>Cluster-wide (or watched-namespace) needs of the controllers.</summary>
    private static readonly HashSet<Permission> ControllerNeeds =
    [
        // Informers on both kinds; the InferenceService controller creates QuantizationJobs (createOnly).
        .. Grant("quantserve.dev", "inferenceservices", "list", "watch"),
        .. Grant("quantserve.dev", "quantizationjobs", "create", "list", "watch"),
        // ReplaceStatusAsync: PUT .../status.
        .. Grant("quantserve.dev", "inferenceservices/status", "update"),
        .. Grant("quantserve.dev", "quantizationjobs/status", "update"),
        // OwnerReferences sets blockOwnerDeletion, which the API server checks as update on <owner>/finalizers.
        .. Grant("quantserve.dev", "inferenceservices/finalizers", "update"),
        .. Grant("quantserve.dev", "quantizationjobs/finalizers", "update"),
        // ChildWriter.EnsureAsync: create, then PUT to keep them in shape.
        .. Grant("apps", "deployments", "create", "list", "update", "watch"),
        .. Grant("", "services", "create", "list", "update", "watch"),
        // ChildWriter.EnsureAsync(createOnly: true).
        .. Grant("", "persistentvolumeclaims", "create", "list", "watch"),
        .. Grant("batch", "jobs", "create", "list", "watch"),
        // Informer for unschedulable pods and ListAsync of calibration pods; TailLogAsync.
        .. Grant("", "pods", "list", "watch"),
        .. Grant("", "pods/log", "get"),
        // EventRecorder.
        .. Grant("", "events", "create"),
    ];

    /// <summary>Leader election in the release namespace.</summary>
    private static readonly HashSet<Permission> LeaderElectionNeeds = [.. Grant("coordination.k8s.io", "leases", "create", "get", "update")];

    private static readonly IReadOnlyList<(string File, JsonObject Document)> Documents = ChartFiles.Documents();

    private static HashSet<Permission> RulesOf(string kind)
    {
        var permissions = new HashSet<Permission>();
        foreach (var (_, document) in Documents.Where(d => d.Document["kind"]?.GetValue<string>() == kind))
        {
            foreach (var rule in document["rules"]!.AsArray())
            {
                var strings = (string key) => rule![key]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
                rule!.AsObject().Select(p => p.Key).Should().BeSubsetOf(["apiGroups", "resources", "verbs"], "no resourceNames or wildcards hide in a rule");
                foreach (var group in strings("apiGroups"))
                    foreach (var resource in strings("resources"))
                        foreach (var verb in strings("verbs"))
                            permissions.Add(new Permission(group, resource, verb));
            }
        }
        return permissions;
    }

    [Fact]
    public void The_cluster_role_grants_exactly_what_the_controllers_use()
    {
        RulesOf("ClusterRole").Should().BeEquivalentTo(ControllerNeeds);
    }

    [Fact]
    public void The_namespaced_role_grants_exactly_leader_election()
    {
        RulesOf("Role").Should().BeEquivalentTo(LeaderElectionNeeds);
    }

    [Fact]
    public void No_rule_uses_a_wildcard()
    {
        RulesOf("ClusterRole").Concat(RulesOf("Role")).Should().NotContain(p => p.Group == "*" || p.Resource == "*" || p.Verb == "*");
    }

    [Fact]
    public void Every_resource_the_operator_declares_is_covered_by_the_needs()
    {
        // A new KubeResource in the operator must come with its RBAC here and in the chart.
        var declared = typeof(KubeResource).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Concat(typeof(QuantServeResources).GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.FieldType == typeof(KubeResource))
            .Select(f => (KubeResource)f.GetValue(null)!)
            .ToList();
        declared.Should().HaveCountGreaterThanOrEqualTo(8);
        foreach (var resource in declared)
            ControllerNeeds.Should().Contain(p => p.Group == resource.Group && p.Resource == resource.Plural, $"the operator talks to {resource}");
    }

    [Fact]
    public void The_bindings_name_the_roles_and_the_service_account()
    {
        var bindings = Documents.Where(d => d.Document["kind"]?.GetValue<string>() is "ClusterRoleBinding" or "RoleBinding").Select(d => d.Document).ToList();
        bindings.Select(b => b["roleRef"]!["kind"]!.GetValue<string>()).Should().Contain(["ClusterRole", "Role"]);
        foreach (var binding in bindings)
            binding["subjects"]![0]!["kind"]!.GetValue<string>().Should().Be("ServiceAccount");
    }
}
