using System.Text.Json.Nodes;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Runtime;

public class JsonSubsetTests
{
    [Fact]
    public void ServerDefaults_DoNotCountAsDrift_ButChangedFieldsDo()
    {
        var desired = JsonNode.Parse("""{"replicas":2,"template":{"containers":[{"name":"s","image":"a"}]}}""");
        var live = JsonNode.Parse("""{"replicas":2,"revisionHistoryLimit":10,"template":{"containers":[{"name":"s","image":"a","terminationMessagePath":"/dev/termination-log"}]}}""");
        JsonSubset.IsSubset(desired, live).Should().BeTrue();
        live!["replicas"] = 3;
        JsonSubset.IsSubset(desired, live).Should().BeFalse();
    }

    [Fact]
    public void Lists_MustMatchInLength()
    {
        JsonSubset.IsSubset(JsonNode.Parse("[1,2]"), JsonNode.Parse("[1,2,3]")).Should().BeFalse();
        JsonSubset.IsSubset(JsonNode.Parse("""{"q":"1"}"""), JsonNode.Parse("""{"q":1}""")).Should().BeTrue();
    }
}
