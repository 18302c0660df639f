using QuantServe.Chart.Tests.Support;
using QuantServe.Operator.Runtime;

namespace QuantServe.Chart.Tests.ArgoCd;

/// <summary>Runs docs/argocd/&lt;group&gt;/&lt;Kind&gt;/health.lua under lua5.4 against every case of its
/// health_test.yaml (Argo CD's own layout for resource customizations).</summary>
public sealed class HealthCheckTests
{
    private static readonly string Root = Repository.PathOf("docs", "argocd");

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var test in Directory.GetFiles(Root, "health_test.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var dir = Path.GetDirectoryName(test)!;
            var kind = Path.GetRelativePath(Root, dir);
            foreach (var item in YamlJsonConverter.FromYaml(File.ReadAllText(test), test)["tests"]!.AsArray())
                data.Add(kind, item!["inputPath"]!.GetValue<string>());
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_health_check_reports_the_expected_status_and_message(string kind, string inputPath)
    {
        var dir = Path.Combine(Root, kind);
        var expected = YamlJsonConverter.FromYaml(File.ReadAllText(Path.Combine(dir, "health_test.yaml")))["tests"]!.AsArray()
            .Single(t => t!["inputPath"]!.GetValue<string>() == inputPath)!["healthStatus"]!;
        var obj = YamlJsonConverter.FromYaml(File.ReadAllText(Path.Combine(dir, inputPath)), inputPath);

        var health = LuaHealthCheck.Run(Path.Combine(dir, "health.lua"), obj);

        health.Status.Should().Be(expected["status"]!.GetValue<string>(), $"{kind} {inputPath}");
        health.Message.Should().Be(expected["message"]!.GetValue<string>(), $"{kind} {inputPath}");
    }

    [Fact]
    public void Every_health_state_is_covered_for_both_kinds()
    {
        foreach (var kind in new[] { "InferenceService", "QuantizationJob" })
        {
            var tests = YamlJsonConverter.FromYaml(File.ReadAllText(Path.Combine(Root, "quantserve.dev", kind, "health_test.yaml")))["tests"]!.AsArray();
            tests.Select(t => t!["healthStatus"]!["status"]!.GetValue<string>()).Distinct()
                .Should().BeEquivalentTo(["Progressing", "Healthy", "Degraded"], kind);
        }
    }

    [Fact]
    public void A_generation_the_operator_has_not_seen_is_progressing_even_when_the_old_status_was_degraded()
    {
        var obj = YamlJsonConverter.FromYaml(File.ReadAllText(Path.Combine(Root, "quantserve.dev", "InferenceService", "testdata", "unschedulable.yaml")));
        obj["metadata"]!["generation"] = 3;
        var health = LuaHealthCheck.Run(Path.Combine(Root, "quantserve.dev", "InferenceService", "health.lua"), obj);
        health.Should().Be(new LuaHealthCheck.Health("Progressing", "Waiting for the operator to observe generation 3"));
    }

    [Fact]
    public void Objects_reach_lua_as_tables_with_escaped_strings()
    {
        var obj = System.Text.Json.Nodes.JsonNode.Parse("""{"a":[1,"x\"y\n"],"b":null,"c":true}""");
        LuaHealthCheck.ToLua(obj).Should().Be("{[\"a\"] = {1, \"x\\\"y\\n\"}, [\"c\"] = true}");
    }

    [Fact]
    public void The_argocd_values_snippet_carries_each_health_check_verbatim()
    {
        var snippet = YamlJsonConverter.FromYaml(File.ReadAllText(Path.Combine(Root, "argocd-cm-values.yaml")));
        var cm = snippet["configs"]!["cm"]!.AsObject();
        var checks = Directory.GetFiles(Root, "health.lua", SearchOption.AllDirectories);
        checks.Should().HaveCount(2);
        cm.Should().HaveCount(checks.Length);
        foreach (var check in checks)
        {
            var kind = Path.GetFileName(Path.GetDirectoryName(check)!);
            var group = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(check))!);
            cm[$"resource.customizations.health.{group}_{kind}"]!.GetValue<string>()
                .Should().Be(File.ReadAllText(check), "run tools/sync-argocd-health.sh after editing a health check");
        }
    }
}
