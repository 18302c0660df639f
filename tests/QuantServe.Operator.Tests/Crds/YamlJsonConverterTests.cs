using System.Text.Json.Nodes;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Crds;

public class YamlJsonConverterTests
{
    [Fact]
    public void RoundTrip_KeepsTypesOfValuesThatLookLikeOtherTypes()
    {
        var node = new JsonObject
        {
            ["number"] = 4,
            ["ratio"] = 0.01,
            ["flag"] = true,
            ["looksNumeric"] = "8",
            ["looksBoolean"] = "True",
            ["empty"] = "",
            ["multi"] = "line one\nline two\n",
            ["list"] = new JsonArray("a", 1, false),
        };
        var back = YamlJsonConverter.FromYaml(YamlJsonConverter.ToYaml(node));
        JsonNode.DeepEquals(back, node).Should().BeTrue(YamlJsonConverter.ToYaml(node));
    }

    [Fact]
    public void InvalidYaml_NamesTheSourceAndLine()
    {
        var act = () => YamlJsonConverter.FromYaml("a: [1, 2\nb: c", "broken.yaml");
        act.Should().Throw<FormatException>().WithMessage("broken.yaml: invalid YAML at line*");
    }
}
