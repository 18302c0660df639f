using System.Reflection;
using System.Text.Json.Nodes;
using QuantServe.Chart.Tests.Support;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;
using Permission = QuantServe.Chart.Tests.Support.OperatorApiNeeds.Permission;

namespace QuantServe.Chart.Tests.Chart;

/// <summary>The chart grants exactly what the operator calls (<see cref="OperatorApiNeeds"/>).</summary>
public sealed class RbacTests
{
    private static readonly IReadOnlySet<Permission> ControllerNeeds = OperatorApiNeeds.Controllers;
    private static readonly IReadOnlySet<Permission> LeaderElectionNeeds = OperatorApiNeeds.LeaderElection;

    private static readonly IReadOnlyList<(string File, JsonObject Document)> Documents = ChartFiles.Documents();

    internal static HashSet<Permission> RulesOf(string kind)
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
