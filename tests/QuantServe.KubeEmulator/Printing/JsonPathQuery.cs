using System.Globalization;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator.Printing;

/// <summary>
/// The JSONPath subset CRD printer columns use: ".a.b", "['a.b']", "[0]", "[*]", ".*" and filters
/// "[?(@.type=="Ready")]" / "[?(@.x!='y')]" (the left side may be a dotted path).
/// </summary>
internal static class JsonPathQuery
{
    public static List<JsonNode> Evaluate(JsonNode root, string path)
    {
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        if (text.StartsWith('$'))
        {
            text = text[1..];
        }

        List<JsonNode> current = [root];
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var start = ++i;
                while (i < text.Length && text[i] is not ('.' or '['))
                {
                    i++;
                }

                var name = text[start..i];
                current = name == "*" ? [.. current.SelectMany(Children)] : [.. current.Select(n => (n as JsonObject)?[name]).OfType<JsonNode>()];
            }
            else if (text[i] == '[')
            {
                var end = FindClosingBracket(text, i, path);
                var inner = text[(i + 1)..end].Trim();
                current = Bracket(current, inner, path);
                i = end + 1;
            }
            else
            {
                throw ApiException.Invalid($"unsupported JSONPath \"{path}\" at position {i}");
            }
        }

        return current;
    }

    private static int FindClosingBracket(string text, int open, string path)
    {
        var depth = 0;
        char? quote = null;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && --depth == 0)
            {
                return i;
            }
        }

        throw ApiException.Invalid($"unclosed '[' in JSONPath \"{path}\"");
    }

    private static List<JsonNode> Bracket(List<JsonNode> current, string inner, string path)
    {
        if (inner == "*")
        {
            return [.. current.SelectMany(Children)];
        }

        if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
        {
            var name = inner[1..^1];
            return [.. current.Select(n => (n as JsonObject)?[name]).OfType<JsonNode>()];
        }

        if (int.TryParse(inner, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
        {
            return
            [
                .. current.OfType<JsonArray>()
                    .Select(a => index < 0 ? (a.Count + index >= 0 ? a[a.Count + index] : null) : (index < a.Count ? a[index] : null))
                    .OfType<JsonNode>(),
            ];
        }

        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            var filter = inner[2..^1].Trim();
            var negated = filter.Contains("!=", StringComparison.Ordinal);
            var parts = filter.Split(negated ? "!=" : "==", 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !parts[0].StartsWith('@'))
            {
                throw ApiException.Invalid($"unsupported JSONPath filter \"{filter}\" in \"{path}\"");
            }

            var expected = parts[1].Trim('"', '\'');
            return
            [
                .. current.SelectMany(Children).Where(element =>
                {
                    var found = Evaluate(element, parts[0][1..]);
                    var equal = found.Count > 0 && Text(found[0]) == expected;
                    return negated ? !equal : equal;
                }),
            ];
        }

        throw ApiException.Invalid($"unsupported JSONPath segment \"[{inner}]\" in \"{path}\"");
    }

    private static IEnumerable<JsonNode> Children(JsonNode node) => node switch
    {
        JsonArray array => array.OfType<JsonNode>(),
        JsonObject obj => obj.Select(kv => kv.Value).OfType<JsonNode>(),
        _ => [],
    };

    public static string Text(JsonNode node) => node is JsonValue value ? value.ToString() : node.ToJsonString();
}
