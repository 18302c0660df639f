using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using QuantServe.Chart.Tests.Support;

namespace QuantServe.Chart.Tests.Chart;

public sealed class ValuesSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(Repository.Read("charts", "quantserve", "values.schema.json"));

    private static EvaluationResults Evaluate(JsonNode values) =>
        Schema.Evaluate(JsonDocument.Parse(values.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    [Fact]
    public void The_default_values_validate_against_the_schema()
    {
        var results = Evaluate(ChartFiles.Values);
        results.IsValid.Should().BeTrue(Errors(results));
    }

    [Theory]
    [InlineData("operator", "replica", "2")] // a typo of replicas
    [InlineData("operator", "replicas", "\"two\"")]
    [InlineData("webhook", "failurePolicy", "\"Maybe\"")]
    [InlineData("webhook", "port", "70000")]
    [InlineData("operator", "watchNamespace", "\"Not_A_Namespace\"")]
    [InlineData("crds", "keep", "\"yes\"")]
    [InlineData("metrics", "serviceMonitor", "{\"enabled\": true, \"interval\": \"often\"}")]
    public void The_schema_rejects_a_wrong_value(string section, string key, string json)
    {
        var values = ChartFiles.Values;
        values[section]![key] = JsonNode.Parse(json);
        Evaluate(values).IsValid.Should().BeFalse($"{section}.{key}: {json} is not a valid value");
    }

    [Fact]
    public void The_schema_rejects_several_replicas_without_leader_election()
    {
        var values = ChartFiles.Values;
        values["operator"]!["replicas"] = 2;
        Evaluate(values).IsValid.Should().BeTrue("two replicas elect a leader");
        values["operator"]!["leaderElection"]!["enabled"] = false;
        Evaluate(values).IsValid.Should().BeFalse("two replicas without leader election would both reconcile");
    }

    [Fact]
    public void The_schema_accepts_an_issuer_reference_for_cert_manager()
    {
        var values = ChartFiles.Values;
        values["webhook"]!["certManager"] = JsonNode.Parse("""{"enabled": true, "issuerRef": {"kind": "ClusterIssuer", "name": "internal-ca"}}""");
        var results = Evaluate(values);
        results.IsValid.Should().BeTrue(Errors(results));
    }

    [Fact]
    public void Every_key_in_values_yaml_has_a_comment_above_it()
    {
        var lines = Repository.Read("charts", "quantserve", "values.yaml").Split('\n');
        var uncommented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimStart();
            // A key line (not a list item, not a comment); a list's items share their key's comment.
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith('-') || !line.Contains(':', StringComparison.Ordinal)) continue;
            var previous = i > 0 ? lines[i - 1].TrimStart() : "";
            if (!previous.StartsWith('#') && !lines[i].Contains(" # ", StringComparison.Ordinal)) uncommented.Add($"line {i + 1}: {lines[i].Trim()}");
        }
        uncommented.Should().BeEmpty("every value is documented in values.yaml");
    }
}
