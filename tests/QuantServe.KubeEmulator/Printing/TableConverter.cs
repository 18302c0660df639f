using System.Globalization;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Resources;

namespace QuantServe.KubeEmulator.Printing;

/// <summary>
/// Server-side printing (Accept: application/json;as=Table;g=meta.k8s.io;v=v1): a meta.k8s.io/v1 Table with
/// Name, then a CRD's additionalPrinterColumns for the requested version, or Age when it declares none
/// (as kube-apiserver does). Date columns print as an age; cells follow the column type.
/// </summary>
internal static class TableConverter
{
    public static JsonObject Convert(ResourceType type, string version, IEnumerable<JsonObject> objects, string? resourceVersion, string? includeObject)
    {
        var declared = type.PrinterColumns.GetValueOrDefault(version) ?? [];
        var columns = new List<(string Name, string Type, string Format, string Description, int Priority, string JsonPath)>
        {
            ("Name", "string", "name", "Name must be unique within a namespace.", 0, ".metadata.name"),
        };
        if (declared.Count == 0)
        {
            columns.Add(("Age", "date", "", "CreationTimestamp is a timestamp representing the server time when this object was created.", 0, ".metadata.creationTimestamp"));
        }
        else
        {
            columns.AddRange(declared.OfType<JsonObject>().Select(c => (
                c["name"]?.GetValue<string>() ?? "",
                c["type"]?.GetValue<string>() ?? "string",
                c["format"]?.GetValue<string>() ?? "",
                c["description"]?.GetValue<string>() ?? "",
                c["priority"]?.GetValue<int>() ?? 0,
                c["jsonPath"]?.GetValue<string>() ?? "")));
        }

        var now = DateTimeOffset.UtcNow;
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject
            {
                ["cells"] = new JsonArray([.. columns.Select(c => Cell(obj, c.Type, c.JsonPath, now))]),
            };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = resourceVersion is null ? new JsonObject() : new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            })]),
            ["rows"] = rows,
        };
    }

    private static JsonNode? Cell(JsonObject obj, string type, string jsonPath, DateTimeOffset now)
    {
        var results = JsonPathQuery.Evaluate(obj, jsonPath);
        if (results.Count == 0 || results[0] is not { } value)
        {
            return null;
        }

        var text = JsonPathQuery.Text(value);
        return type switch
        {
            "date" => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? JsonValue.Create(HumanDuration.Format(now - time))
                : null,
            "integer" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) ? JsonValue.Create(integer) : null,
            "number" => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : null,
            "boolean" => bool.TryParse(text, out var flag) ? JsonValue.Create(flag) : null,
            _ => JsonValue.Create(text),
        };
    }
}
