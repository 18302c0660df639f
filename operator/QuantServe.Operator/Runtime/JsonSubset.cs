using System.Text.Json.Nodes;

namespace QuantServe.Operator.Runtime;

/// <summary>Whether every field the operator sets is already as it wants it. The server adds defaults
/// (clusterIP, terminationMessagePath, ...), so an exact comparison would rewrite children forever.</summary>
public static class JsonSubset
{
    public static bool IsSubset(JsonNode? desired, JsonNode? actual)
    {
        switch (desired)
        {
            case null:
                return true;
            case JsonObject d:
                if (actual is not JsonObject a) return false;
                foreach (var (key, value) in d)
                {
                    if (value is null) continue;
                    if (!a.TryGetPropertyValue(key, out var other) || !IsSubset(value, other)) return false;
                }
                return true;
            case JsonArray list:
                if (actual is not JsonArray items || items.Count != list.Count) return false;
                for (var i = 0; i < list.Count; i++)
                    if (!IsSubset(list[i], items[i])) return false;
                return true;
            default:
                return actual is JsonValue && JsonNode.DeepEquals(Normalize(desired), Normalize(actual));
        }
    }

    // Quantities and int-or-strings may come back as "1" or 1.
    private static JsonNode? Normalize(JsonNode? value) =>
        value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? JsonValue.Create(v.ToJsonString()) : value?.DeepClone();
}
