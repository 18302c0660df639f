using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;
using QuantServe.KubeEmulator.Resources;

namespace QuantServe.KubeEmulator.Selection;

/// <summary>
/// A parsed fieldSelector: "f=v", "f==v", "f!=v" ANDed. Like a real server, only metadata.name,
/// metadata.namespace and the fields a resource registers are accepted; others are a 400.
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Negated)> _requirements;

    private FieldSelector(List<(string[] Path, string Value, bool Negated)> requirements) => _requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The single name an equality on metadata.name pins, if any (a watch on one object).</summary>
    public string? PinnedName =>
        _requirements.FirstOrDefault(r => !r.Negated && r.Path is ["metadata", "name"]).Value;

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<(string[] Path, string Value, bool Negated)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var negated = raw.Contains("!=", StringComparison.Ordinal);
            var parts = negated ? raw.Split("!=", 2) : raw.Split('=', 2);
            if (parts.Length != 2)
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{raw}'");
            }

            var field = parts[0].Trim();
            var value = parts[1].TrimStart('=').Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.SelectableFields.Contains(field))
            {
                throw ApiException.BadRequest($"field label not supported: {field}");
            }

            requirements.Add((field.Split('.'), value, negated));
        }

        return new FieldSelector(requirements);
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, value, negated) in _requirements)
        {
            JsonNode? node = obj;
            foreach (var segment in path)
            {
                node = node is JsonObject o ? o[segment] : null;
            }

            var actual = node is JsonValue v ? v.ToString() : "";
            if ((actual == value) == negated)
            {
                return false;
            }
        }

        return true;
    }
}
