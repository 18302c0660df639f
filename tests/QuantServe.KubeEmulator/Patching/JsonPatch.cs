using System.Globalization;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator.Patching;

/// <summary>RFC 6902 JSON patch (application/json-patch+json): add, remove, replace, move, copy, test.</summary>
internal static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("a JSON patch must be an array of operations");
        }

        JsonNode document = target.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } kind || op["path"]?.GetValue<string>() is not { } path)
            {
                throw ApiException.BadRequest($"invalid JSON patch operation: {operation?.ToJsonString()}");
            }

            switch (kind)
            {
                case "add":
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(document, path);
                    break;
                case "replace":
                    Remove(document, path);
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = From(op);
                    var value = Get(document, from).DeepClone();
                    Remove(document, from);
                    document = Add(document, path, value);
                    break;
                }

                case "copy":
                    document = Add(document, path, Get(document, From(op)).DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(document, path), op["value"]))
                    {
                        throw ApiException.Invalid($"the server rejected our request due to an error in our request: test operation failed at {path}");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unknown JSON patch operation \"{kind}\"");
            }
        }

        return document as JsonObject ?? throw ApiException.BadRequest("a JSON patch must leave an object");
    }

    private static string From(JsonObject op) =>
        op["from"]?.GetValue<string>() ?? throw ApiException.BadRequest($"JSON patch \"{op["op"]}\" needs \"from\"");

    private static string[] Segments(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw ApiException.BadRequest($"JSON pointer \"{path}\" must start with '/'");
        }

        return [.. path[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static JsonNode Get(JsonNode document, string path)
    {
        var node = document;
        foreach (var segment in Segments(path))
        {
            node = Child(node, segment) ?? throw Missing(path);
        }

        return node;
    }

    private static JsonNode? Child(JsonNode node, string segment) => node switch
    {
        JsonObject o => o[segment],
        JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode Add(JsonNode document, string path, JsonNode? value)
    {
        var segments = Segments(path);
        if (segments.Length == 0)
        {
            return value ?? throw ApiException.BadRequest("cannot replace the whole document with null");
        }

        var parent = Get(document, ParentPath(segments));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Missing(path);
        }

        return document;
    }

    private static void Remove(JsonNode document, string path)
    {
        var segments = Segments(path);
        if (segments.Length == 0)
        {
            throw ApiException.BadRequest("cannot remove the whole document");
        }

        var parent = Get(document, ParentPath(segments));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw Missing(path);
        }
    }

    private static string ParentPath(string[] segments) =>
        string.Concat(segments[..^1].Select(s => "/" + Escape(s)));

    private static string Escape(string segment) =>
        segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static ApiException Missing(string path) =>
        ApiException.Invalid($"the server rejected our request due to an error in our request: JSON patch path \"{path}\" does not exist");
}
