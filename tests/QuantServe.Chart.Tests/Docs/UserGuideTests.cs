using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using QuantServe.Chart.Tests.Support;
using QuantServe.Operator.Runtime;

namespace QuantServe.Chart.Tests.Docs;

/// <summary>The user guide's manifests are real: they parse, our kinds validate against the CRD schemas
/// (strictly: an unknown field is a typo), the Argo CD Application's values validate against the chart,
/// and relative links lead somewhere.</summary>
public sealed partial class UserGuideTests
{
    private static readonly string[] Guides = ["user-guide.md", "install.md", "inference-services.md", "gptq-calibration.md", "gitops-argocd.md", "sizing.md", "troubleshooting.md"];

    [GeneratedRegex(@"```yaml\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();

    [GeneratedRegex(@"\]\((?<target>[^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex Link();

    public static TheoryData<string> GuideFiles()
    {
        var data = new TheoryData<string>();
        foreach (var guide in Guides) data.Add(guide);
        return data;
    }

    private static IEnumerable<JsonNode> YamlDocuments(string guide)
    {
        var text = Repository.Read("docs", guide);
        foreach (Match block in YamlBlock().Matches(text))
            foreach (var document in YamlJsonConverter.FromYamlAll(block.Groups["body"].Value, guide)) yield return document;
    }

    /// <summary>The CRD's openAPIV3Schema as a JSON Schema that also refuses unknown fields where the CRD
    /// would prune them (objects with properties and no x-kubernetes-preserve-unknown-fields).</summary>
    private static JsonSchema StrictSchemaOf(string crdFile)
    {
        var crd = YamlJsonConverter.FromYaml(Repository.Read("crds", crdFile), crdFile);
        var schema = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.DeepClone();
        Strict(schema);
        schema["$schema"] = "http://json-schema.org/draft-07/schema#";
        return JsonSchema.FromText(schema.ToJsonString());
    }

    private static void Strict(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            if (obj["properties"] is JsonObject && obj["x-kubernetes-preserve-unknown-fields"] is null && obj["additionalProperties"] is null)
                obj["additionalProperties"] = false;
            // Kubernetes' extensions (CEL rules, preserve-unknown-fields) are not JSON Schema keywords.
            foreach (var key in obj.Select(p => p.Key).Where(k => k.StartsWith("x-kubernetes-", StringComparison.Ordinal) || k == "nullable").ToList())
                obj.Remove(key);
            foreach (var (_, child) in obj.ToList()) Strict(child);
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array) Strict(item);
        }
    }

    private static readonly Dictionary<string, JsonSchema> SchemaByKind = new()
    {
        ["InferenceService"] = StrictSchemaOf("quantserve.dev_inferenceservices.yaml"),
        ["QuantizationJob"] = StrictSchemaOf("quantserve.dev_quantizationjobs.yaml"),
    };

    private static string Errors(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    private static EvaluationResults Evaluate(JsonSchema schema, JsonNode node) =>
        schema.Evaluate(JsonDocument.Parse(node.ToJsonString()).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

    [Theory]
    [MemberData(nameof(GuideFiles))]
    public void Every_yaml_block_parses_and_every_quantserve_object_matches_its_crd(string guide)
    {
        foreach (var document in YamlDocuments(guide))
        {
            if (document["apiVersion"]?.GetValue<string>() != "quantserve.dev/v1alpha1") continue;
            var kind = document["kind"]!.GetValue<string>();
            var results = Evaluate(SchemaByKind[kind], document);
            results.IsValid.Should().BeTrue($"{guide}: {kind} {document["metadata"]?["name"]}: {Errors(results)}");
        }
    }

    [Fact]
    public void The_guides_show_an_inference_service_for_every_scheme()
    {
        var schemes = YamlDocuments("inference-services.md")
            .Where(d => d["kind"]?.GetValue<string>() == "InferenceService")
            .Select(d => d["spec"]!["quantize"]!.GetValue<string>()).ToHashSet();
        var crd = YamlJsonConverter.FromYaml(Repository.Read("crds", "quantserve.dev_inferenceservices.yaml"));
        var all = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["properties"]!["quantize"]!["enum"]!
            .AsArray().Select(v => v!.GetValue<string>());
        schemes.Should().BeEquivalentTo(all);
    }

    [Fact]
    public void A_typo_in_a_manifest_is_caught()
    {
        var document = YamlDocuments("inference-services.md").First(d => d["kind"]?.GetValue<string>() == "InferenceService");
        document["spec"]!["quantise"] = "awq";
        Evaluate(SchemaByKind["InferenceService"], document).IsValid.Should().BeFalse();
    }

    [Fact]
    public void The_argocd_application_installs_this_chart_with_values_the_schema_accepts()
    {
        var application = YamlJsonConverter.FromYaml(Repository.Read("docs", "argocd", "application.yaml"));
        var source = application["spec"]!["source"]!;
        Directory.Exists(Repository.PathOf(source["path"]!.GetValue<string>())).Should().BeTrue();
        var values = ChartFiles.Values;
        Merge(values.AsObject(), source["helm"]!["valuesObject"]!.AsObject());
        var schema = JsonSchema.FromText(Repository.Read("charts", "quantserve", "values.schema.json"));
        var results = Evaluate(schema, values);
        results.IsValid.Should().BeTrue(Errors(results));

        var shown = YamlDocuments("gitops-argocd.md").First(d => d["kind"]?.GetValue<string>() == "Application");
        JsonNode.DeepEquals(shown, application).Should().BeTrue("the guide shows docs/argocd/application.yaml");
    }

    private static void Merge(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides)
        {
            if (value is JsonObject nested && target[key] is JsonObject existing) Merge(existing, nested);
            else target[key] = value?.DeepClone();
        }
    }

    [Theory]
    [MemberData(nameof(GuideFiles))]
    public void Relative_links_lead_to_files_in_the_repository(string guide)
    {
        foreach (Match link in Link().Matches(Repository.Read("docs", guide)))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal)) continue;
            var path = Path.GetFullPath(Path.Combine(Repository.PathOf("docs"), target));
            (File.Exists(path) || Directory.Exists(path)).Should().BeTrue($"{guide} links to {target}");
        }
    }
}
