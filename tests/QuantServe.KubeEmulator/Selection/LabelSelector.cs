using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator.Selection;

/// <summary>
/// A parsed labelSelector query: "a=b", "a==b", "a!=b", "a in (x,y)", "a notin (x,y)", "a" (exists), "!a".
/// Requirements are ANDed, as on a real server.
/// </summary>
internal sealed partial class LabelSelector
{
    private readonly List<Func<JsonObject?, bool>> _requirements;

    private LabelSelector(List<Func<JsonObject?, bool>> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject?, bool>>();
        foreach (var raw in SplitTopLevel(text))
        {
            requirements.Add(ParseRequirement(raw.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Builds the selector text from a metav1.LabelSelector's matchLabels (Scale.status.selector).</summary>
    public static string FormatMatchLabels(JsonObject? selector)
    {
        var labels = selector?["matchLabels"] as JsonObject;
        return labels is null ? "" : string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}"));
    }

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        return _requirements.All(r => r(labels));
    }

    private static Func<JsonObject?, bool> ParseRequirement(string requirement, string whole)
    {
        var set = SetRequirement().Match(requirement);
        if (set.Success)
        {
            var key = set.Groups[1].Value;
            var values = set.Groups[3].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            var notIn = set.Groups[2].Value == "notin";
            return labels =>
            {
                var value = Label(labels, key);
                return notIn ? value is null || !values.Contains(value) : value is not null && values.Contains(value);
            };
        }

        var notEqual = requirement.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            var key = requirement[..notEqual].Trim();
            var value = requirement[(notEqual + 2)..].Trim();
            return labels => Label(labels, key) != value;
        }

        var equal = requirement.IndexOf('=', StringComparison.Ordinal);
        if (equal > 0)
        {
            var key = requirement[..equal].Trim();
            var value = requirement[(equal + 1)..].TrimStart('=').Trim();
            return labels => Label(labels, key) == value;
        }

        if (requirement.StartsWith('!') && KeyPattern().IsMatch(requirement[1..].Trim()))
        {
            var key = requirement[1..].Trim();
            return labels => Label(labels, key) is null;
        }

        if (KeyPattern().IsMatch(requirement))
        {
            return labels => Label(labels, requirement) is not null;
        }

        throw ApiException.BadRequest($"unable to parse requirement \"{requirement}\" in labelSelector \"{whole}\"");
    }

    private static string? Label(JsonObject? labels, string key) =>
        labels?[key] is JsonValue value ? value.ToString() : null;

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    [GeneratedRegex(@"^([A-Za-z0-9._/-]+)\s+(in|notin)\s*\((.*)\)$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^[A-Za-z0-9._/-]+$")]
    private static partial Regex KeyPattern();
}
