using System.Reflection;
using System.Text.Json.Nodes;
using QuantServe.Chart.Tests.Support;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;
using Permission = QuantServe.Chart.Tests.Support.OperatorApiNeeds.Permission;

namespace QuantServe.Chart.Tests.Chart;

/// <summary>The chart grants exactly what the operator calls (<see cref="OperatorApiNeeds"/>), and the
/// webhook certificate's rules are restricted to the release's own objects by name.</summary>
public sealed class RbacTests
{
    private static readonly IReadOnlyList<(string File, JsonObject Document)> Documents = ChartFiles.Documents();

    private static IEnumerable<JsonObject> RulesIn(string kind, string? file = null) =>
        Documents.Where(d => d.Document["kind"]?.GetValue<string>() == kind && (file is null || d.File == file))
            .SelectMany(d => d.Document["rules"]!.AsArray().Select(r => r!.AsObject()));

    private static List<string> Strings(JsonObject rule, string key) =>
        (rule[key] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToList();

    /// <summary>The permissions the rules of every <paramref name="kind"/> (in <paramref name="file"/> only, when given) grant.</summary>
    internal static HashSet<Permission> RulesOf(string kind, string? file = null)
    {
        var permissions = new HashSet<Permission>();
        foreach (var rule in RulesIn(kind, file))
        {
            rule.Select(p => p.Key).Should().BeSubsetOf(["apiGroups", "resources", "resourceNames", "verbs"], "no nonResourceURLs or other keys hide in a rule");
            foreach (var group in Strings(rule, "apiGroups"))
                foreach (var resource in Strings(rule, "resources"))
                    foreach (var verb in Strings(rule, "verbs"))
                        permissions.Add(new Permission(group, resource, verb));
        }
        return permissions;
    }

    [Fact]
    public void The_manager_cluster_role_grants_exactly_what_the_controllers_use()
    {
        RulesOf("ClusterRole", "operator-clusterrole.yaml").Should().BeEquivalentTo(OperatorApiNeeds.Controllers);
    }

    [Fact]
    public void The_leader_election_role_grants_exactly_leader_election()
    {
        RulesOf("Role", "operator-role.yaml").Should().BeEquivalentTo(OperatorApiNeeds.LeaderElection);
    }

    [Fact]
    public void The_webhook_certificate_role_grants_exactly_the_secret_needs()
    {
        RulesOf("Role", "webhook-role.yaml").Should().BeEquivalentTo(OperatorApiNeeds.WebhookCertificateSecret);
    }

    [Fact]
    public void The_webhook_certificate_cluster_role_grants_exactly_the_configuration_needs()
    {
        RulesOf("ClusterRole", "webhook-clusterrole.yaml").Should().BeEquivalentTo(OperatorApiNeeds.WebhookConfigurations);
    }

    [Fact]
    public void The_roles_grant_nothing_beyond_the_operators_needs()
    {
        RulesOf("ClusterRole").Concat(RulesOf("Role")).Should().BeSubsetOf(OperatorApiNeeds.All);
    }

    [Fact]
    public void Only_the_webhook_certificate_rules_name_objects_and_every_one_of_them_that_can_does()
    {
        foreach (var (file, document) in Documents.Where(d => d.Document["kind"]?.GetValue<string>() is "Role" or "ClusterRole"))
        {
            foreach (var rule in document["rules"]!.AsArray().Select(r => r!.AsObject()))
            {
                var named = rule.ContainsKey("resourceNames");
                if (!file.StartsWith("webhook-", StringComparison.Ordinal))
                {
                    named.Should().BeFalse($"{file}: the controllers work on objects they cannot name in advance");
                    continue;
                }
                // create cannot be restricted by name: the object does not exist when it is authorized.
                var verbs = Strings(rule, "verbs");
                if (verbs.Contains("create")) named.Should().BeFalse($"{file}: resourceNames would make create always forbidden");
                else
                {
                    named.Should().BeTrue($"{file}: {string.Join(",", verbs)} on {string.Join(",", Strings(rule, "resources"))} must name the release's objects");
                    Strings(rule, "resourceNames").Should().ContainSingle();
                }
                if (verbs.Contains("create")) verbs.Should().Equal(["create"], $"{file}: create stands alone so the named verbs keep their names");
            }
        }
    }

    [Fact]
    public void The_webhook_certificate_rbac_exists_only_when_the_operator_manages_the_certificate()
    {
        foreach (var file in new[] { "webhook-role.yaml", "webhook-rolebinding.yaml", "webhook-clusterrole.yaml", "webhook-clusterrolebinding.yaml" })
        {
            var firstLine = Repository.Read("charts", "quantserve", "templates", file).Split('\n')[0];
            firstLine.Should().Contain(".Values.rbac.create").And.Contain("quantserve.webhook.operatorManagesCertificate", file);
        }
        Repository.Read("charts", "quantserve", "templates", "_helpers.tpl")
            .Should().Contain("{{- if and .Values.webhook.enabled (not .Values.webhook.certManager.enabled) -}}true{{- end -}}");
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
        declared.Should().HaveCountGreaterThanOrEqualTo(11);
        foreach (var resource in declared)
            OperatorApiNeeds.All.Should().Contain(p => p.Group == resource.Group && p.Resource == resource.Plural, $"the operator talks to {resource}");
    }

    [Fact]
    public void The_bindings_name_the_roles_and_the_service_account()
    {
        var bindings = Documents.Where(d => d.Document["kind"]?.GetValue<string>() is "ClusterRoleBinding" or "RoleBinding").ToList();
        bindings.Select(b => b.Document["roleRef"]!["kind"]!.GetValue<string>()).Should().Contain(["ClusterRole", "Role"]);
        foreach (var (file, binding) in bindings)
            binding["subjects"]![0]!["kind"]!.GetValue<string>().Should().Be("ServiceAccount", file);
        // Each webhook binding refers to the role of its own file pair.
        var roleName = (string file) => Repository.Read("charts", "quantserve", "templates", file).Split('\n').Single(l => l.StartsWith("  name: ", StringComparison.Ordinal)).Trim();
        var roleRefName = (string file) => Repository.Read("charts", "quantserve", "templates", file).Split('\n').SkipWhile(l => !l.StartsWith("roleRef:", StringComparison.Ordinal)).First(l => l.TrimStart().StartsWith("name: ", StringComparison.Ordinal)).Trim();
        roleRefName("webhook-rolebinding.yaml").Should().Be(roleName("webhook-role.yaml"));
        roleRefName("webhook-clusterrolebinding.yaml").Should().Be(roleName("webhook-clusterrole.yaml"));
    }
}
