using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace QuantServe.Chart.Tests.Support;

/// <summary>Dotted value paths: those the templates read (.Values.a.b) and those values.yaml defines.</summary>
public static partial class ValuePaths
{
    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();

    /// <summary>"operator.image.tag" for every `.Values.operator.image.tag` (also `$.Values...`) in the text.</summary>
    public static IEnumerable<string> ReadBy(string template) =>
        ValuesReference().Matches(template).Select(m => m.Groups[1].Value[1..]);

    /// <summary>Every key path of the values, objects and leaves alike ("operator", "operator.image", ...).</summary>
    public static IEnumerable<string> DefinedIn(JsonNode? values, string prefix = "")
    {
        if (values is not JsonObject obj) yield break;
        foreach (var (key, child) in obj)
        {
            var path = prefix.Length == 0 ? key : prefix + "." + key;
            yield return path;
            foreach (var nested in DefinedIn(child, path)) yield return nested;
        }
    }

    /// <summary>Leaf paths: scalars, lists and empty maps (a template reads them whole).</summary>
    public static IEnumerable<string> LeavesOf(JsonNode? values, string prefix = "")
    {
        if (values is JsonObject { Count: > 0 } obj)
        {
            foreach (var (key, child) in obj)
                foreach (var leaf in LeavesOf(child, prefix.Length == 0 ? key : prefix + "." + key)) yield return leaf;
        }
        else if (prefix.Length > 0)
        {
            yield return prefix;
        }
    }
}
