using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;
using QuantServe.KubeEmulator.Patching;
using QuantServe.KubeEmulator.Printing;
using QuantServe.KubeEmulator.Selection;
using QuantServe.KubeEmulator.Yaml;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>The emulator's parsers and patch engines on their own.</summary>
public sealed class EmulatorBuildingBlockTests
{
    [Theory]
    [InlineData(".spec.model", "tiny")]
    [InlineData("{.spec.replicas}", "2")]
    [InlineData(".status.conditions[?(@.type==\"Ready\")].status", "True")]
    [InlineData(".status.conditions[?(@.type=='Ready')].reason", "Up")]
    [InlineData(".status.conditions[?(@.type!=\"Ready\")].type", "Progressing")]
    [InlineData(".status.conditions[-1].type", "Ready")]
    [InlineData(".status.conditions[0].type", "Progressing")]
    [InlineData(".metadata.labels['app.kubernetes.io/name']", "demo")]
    public void JsonPath_evaluates_printer_column_paths(string path, string expected)
    {
        var obj = JsonNode.Parse("""
            {"metadata":{"labels":{"app.kubernetes.io/name":"demo"}},"spec":{"model":"tiny","replicas":2},
             "status":{"conditions":[{"type":"Progressing","status":"False"},{"type":"Ready","status":"True","reason":"Up"}]}}
            """)!;

        var results = JsonPathQuery.Evaluate(obj, path);

        results.Should().NotBeEmpty();
        JsonPathQuery.Text(results[0]).Should().Be(expected);
    }

    [Fact]
    public void JsonPath_of_a_missing_field_is_empty_and_an_unclosed_bracket_is_rejected()
    {
        var obj = JsonNode.Parse("""{"spec":{}}""")!;

        JsonPathQuery.Evaluate(obj, ".status.url").Should().BeEmpty();
        var act = () => JsonPathQuery.Evaluate(obj, ".spec.items[0");
        act.Should().Throw<ApiException>().WithMessage("*unclosed*");
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(125, "2m5s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 120, "3h2m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 3600, "3d1h")]
    [InlineData(100 * 86400, "100d")]
    [InlineData(3 * 365 * 86400 + 86400, "3y1d")]
    public void Ages_print_like_kubectl(long seconds, string expected) =>
        HumanDuration.Format(TimeSpan.FromSeconds(seconds)).Should().Be(expected);

    [Fact]
    public void Yaml_scalars_follow_the_core_schema_and_quoted_ones_stay_strings()
    {
        var node = YamlToJson.Parse("""
            count: 3
            ratio: 0.5
            on: true
            off: False
            nothing: ~
            quoted: "3"
            word: hello
            version: 1.2.3
            list: [a, 2]
            """)!;

        node.ToJsonString().Should().Be(
            """{"count":3,"ratio":0.5,"on":true,"off":false,"nothing":null,"quoted":"3","word":"hello","version":"1.2.3","list":["a",2]}""");
    }

    [Fact]
    public void Malformed_yaml_is_a_400_naming_the_problem()
    {
        var act = () => YamlToJson.Parse("a: [unclosed");

        act.Should().Throw<ApiException>().Where(e => e.Code == 400).WithMessage("error converting YAML to JSON*");
    }

    [Theory]
    [InlineData("app in (web")]
    [InlineData("=web")]
    public void Malformed_label_selectors_are_400(string selector)
    {
        var act = () => LabelSelector.Parse(selector);

        act.Should().Throw<ApiException>().Where(e => e.Code == 400);
    }

    [Fact]
    public void Strategic_merge_unions_finalizers_and_deletes_from_primitive_lists()
    {
        var target = JsonNode.Parse("""{"metadata":{"finalizers":["a","b"]}}""");

        var added = StrategicMergePatch.Apply(target, JsonNode.Parse("""{"metadata":{"finalizers":["b","c"]}}"""));
        var removed = StrategicMergePatch.Apply(added, JsonNode.Parse("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"""));

        added!["metadata"]!["finalizers"]!.ToJsonString().Should().Be("""["a","b","c"]""");
        removed!["metadata"]!["finalizers"]!.ToJsonString().Should().Be("""["b","c"]""");
    }

    [Fact]
    public void Strategic_merge_replaces_atomic_lists_and_merges_service_ports_by_port()
    {
        var target = JsonNode.Parse("""{"spec":{"args":["a","b"],"ports":[{"port":80,"name":"http"},{"port":443,"name":"https"}]}}""");

        var result = StrategicMergePatch.Apply(target, JsonNode.Parse("""{"spec":{"args":["c"],"ports":[{"port":443,"targetPort":8443}]}}"""));

        result!["spec"]!["args"]!.ToJsonString().Should().Be("""["c"]""");
        result["spec"]!["ports"]!.ToJsonString().Should().Be("""[{"port":80,"name":"http"},{"port":443,"name":"https","targetPort":8443}]""");
    }

    [Fact]
    public void Json_patch_appends_with_dash_and_moves_values()
    {
        var target = (JsonObject)JsonNode.Parse("""{"spec":{"items":[1],"old":"x"}}""")!;

        var result = JsonPatch.Apply(target, JsonNode.Parse("""
            [{"op":"add","path":"/spec/items/-","value":2},{"op":"move","from":"/spec/old","path":"/spec/new"}]
            """));

        result.ToJsonString().Should().Be("""{"spec":{"items":[1,2],"new":"x"}}""");
        target.ToJsonString().Should().Be("""{"spec":{"items":[1],"old":"x"}}""", "the input is not modified");
    }

    [Fact]
    public void Json_patch_on_a_missing_path_is_422()
    {
        var act = () => JsonPatch.Apply(new JsonObject(), JsonNode.Parse("""[{"op":"remove","path":"/spec/x"}]"""));

        act.Should().Throw<ApiException>().Where(e => e.Code == 422);
    }
}
