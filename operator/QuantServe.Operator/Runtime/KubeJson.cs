using System.Text.Json.Nodes;
using k8s;

namespace QuantServe.Operator.Runtime;

/// <summary>Typed models to JSON nodes and back, with KubernetesClient's serializer settings.</summary>
public static class KubeJson
{
    public static JsonObject ToNode(object value) =>
        JsonNode.Parse(KubernetesJson.Serialize(value)) as JsonObject
        ?? throw new InvalidOperationException($"{value.GetType().Name} did not serialize to a JSON object");

    public static T FromNode<T>(JsonNode node) => KubernetesJson.Deserialize<T>(node.ToJsonString());
}
