using System.Text.Json.Nodes;
using QuantServe.Operator.Runtime;

namespace QuantServe.Chart.Tests.Support;

/// <summary>The chart's files, read once and parsed.</summary>
public static class ChartFiles
{
    public static JsonNode Values => YamlJsonConverter.FromYaml(Repository.Read("charts", "quantserve", "values.yaml"), "values.yaml");

    /// <summary>Every document every YAML template can render (all branches), with the file it came from.</summary>
    public static IReadOnlyList<(string File, JsonObject Document)> Documents() =>
        Repository.TemplateFiles.SelectMany(file =>
        {
            var name = Path.GetFileName(file);
            return YamlJsonConverter.FromYamlAll(TemplateFlattener.Flatten(File.ReadAllText(file), name), name)
                .Select(d => (name, d as JsonObject ?? throw new FormatException($"{name}: a document is not a mapping")));
        }).ToList();
}
