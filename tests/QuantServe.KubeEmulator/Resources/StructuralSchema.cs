using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator.Resources;

/// <summary>
/// What kube-apiserver does with a CRD's openAPIV3Schema on every write of a custom resource: prune fields the
/// schema does not declare (unless x-kubernetes-preserve-unknown-fields, additionalProperties or
/// x-kubernetes-embedded-resource say otherwise), apply defaults, then validate type, required, enum,
/// minimum/maximum, minLength/maxLength, pattern and minItems/maxItems (422 Invalid listing every failure).
/// CEL rules (x-kubernetes-validations) and formats are not checked. metadata is left to the store.
/// </summary>
internal static class StructuralSchema
{

    public static void Apply(JsonObject obj, JsonObject schema, string kind, string group, bool strict = false)
    {
        var errors = new Findings();
        var properties = schema["properties"] as JsonObject;
        foreach (var (key, value) in obj.ToList())
        {
            if (key is "apiVersion" or "kind" or "metadata")
            {
                continue;
            }

            if (properties?[key] is JsonObject propertySchema)
            {
                VisitProperty(obj, key, propertySchema, key, errors);
            }
            else if (!PreservesUnknown(schema))
            {
                obj.Remove(key);
                errors.Unknown.Add(key);
            }
        }

        AddDefaults(obj, schema, "", errors);
        CheckRequired(obj, schema, "", errors);
        if (strict && errors.Unknown.Count > 0)
        {
            throw ApiException.BadRequest(
                $"{kind} in version \"{obj["apiVersion"]}\" cannot be handled as a {kind}: strict decoding error: "
                + string.Join(", ", errors.Unknown.Select(u => $"unknown field \"{u}\"")));
        }

        if (errors.Problems.Count > 0)
        {
            var name = obj["metadata"]?["name"]?.ToString() ?? "";
            var detail = errors.Problems.Count == 1 ? errors.Problems[0] : "[" + string.Join(", ", errors.Problems) + "]";
            throw ApiException.Invalid($"{kind}.{group} \"{name}\" is invalid: {detail}");
        }
    }

    /// <summary>Prunes, defaults and checks one property in place; a null is kept only where the schema is nullable.</summary>
    private static void VisitProperty(JsonObject parent, string key, JsonObject schema, string path, Findings errors)
    {
        if (parent[key] is { } value)
        {
            Visit(value, schema, path, errors);
        }
        else if (schema["nullable"]?.GetValue<bool>() != true)
        {
            if (schema["default"] is { } fallback)
            {
                var copy = fallback.DeepClone();
                parent[key] = copy;
                Visit(copy, schema, path, errors);
            }
            else
            {
                parent.Remove(key);
            }
        }
    }

    private static void Visit(JsonNode value, JsonObject schema, string path, Findings errors)
    {
        if (!CheckType(value, schema, path, errors))
        {
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                var properties = schema["properties"] as JsonObject;
                var additional = schema["additionalProperties"] as JsonObject;
                var keepUnknown = PreservesUnknown(schema) || schema["additionalProperties"] is JsonValue;
                foreach (var (key, child) in obj.ToList())
                {
                    var childPath = path + "." + key;
                    if (properties?[key] is JsonObject childSchema)
                    {
                        VisitProperty(obj, key, childSchema, childPath, errors);
                    }
                    else if (additional is not null)
                    {
                        VisitProperty(obj, key, additional, childPath, errors);
                    }
                    else if (!keepUnknown && (properties is not null || schema["type"]?.ToString() == "object"))
                    {
                        obj.Remove(key);
                        errors.Unknown.Add(childPath);
                    }
                }

                AddDefaults(obj, schema, path, errors);
                CheckRequired(obj, schema, path, errors);
                break;
            case JsonArray array:
                if (schema["items"] is JsonObject itemSchema)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (array[i] is { } item)
                        {
                            Visit(item, itemSchema, $"{path}[{i}]", errors);
                        }
                    }
                }

                CheckCount(array.Count, schema, "minItems", "maxItems", "items", path, errors);
                break;
            default:
                CheckScalar((JsonValue)value, schema, path, errors);
                break;
        }
    }

    private static bool PreservesUnknown(JsonObject schema) =>
        schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true
        || schema["x-kubernetes-embedded-resource"]?.GetValue<bool>() == true;

    private static void AddDefaults(JsonObject obj, JsonObject schema, string path, Findings errors)
    {
        if (schema["properties"] is not JsonObject properties)
        {
            return;
        }

        foreach (var (key, propertySchema) in properties)
        {
            if (!obj.ContainsKey(key) && propertySchema is JsonObject s && s["default"] is { } fallback)
            {
                var copy = fallback.DeepClone();
                obj[key] = copy;
                Visit(copy, s, Join(path, key), errors);
            }
        }
    }

    private static void CheckRequired(JsonObject obj, JsonObject schema, string path, Findings errors)
    {
        foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r?.ToString()).OfType<string>())
        {
            if (obj[required] is null)
            {
                errors.Problems.Add($"{Join(path, required)}: Required value");
            }
        }
    }

    private static bool CheckType(JsonNode value, JsonObject schema, string path, Findings errors)
    {
        var expected = schema["type"]?.ToString();
        if (expected is null || schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true)
        {
            if (schema["x-kubernetes-int-or-string"]?.GetValue<bool>() == true
                && !(value.GetValueKind() == JsonValueKind.String || IsInteger(value)))
            {
                errors.Problems.Add($"{path}: Invalid value: must be an integer or a string");
                return false;
            }

            return true;
        }

        var kind = value.GetValueKind();
        var ok = expected switch
        {
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "integer" => IsInteger(value),
            "number" => kind == JsonValueKind.Number,
            _ => true,
        };
        if (!ok)
        {
            errors.Problems.Add($"{path}: Invalid value: \"{Describe(kind)}\": {path} in body must be of type {expected}: \"{Describe(kind)}\"");
        }

        return ok;
    }

    private static void CheckScalar(JsonValue value, JsonObject schema, string path, Findings errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            errors.Problems.Add($"{path}: Unsupported value: {value.ToJsonString()}: supported values: {string.Join(", ", allowed.Select(a => a?.ToJsonString()))}");
        }

        if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
            if (schema["minimum"] is JsonValue min && number < double.Parse(min.ToJsonString(), CultureInfo.InvariantCulture))
            {
                errors.Problems.Add($"{path}: Invalid value: {value.ToJsonString()}: {path} in body should be greater than or equal to {min.ToJsonString()}");
            }

            if (schema["maximum"] is JsonValue max && number > double.Parse(max.ToJsonString(), CultureInfo.InvariantCulture))
            {
                errors.Problems.Add($"{path}: Invalid value: {value.ToJsonString()}: {path} in body should be less than or equal to {max.ToJsonString()}");
            }
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.ToString();
            CheckCount(text.Length, schema, "minLength", "maxLength", "characters", path, errors);
            if (schema["pattern"]?.ToString() is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Problems.Add($"{path}: Invalid value: \"{text}\": {path} in body should match '{pattern}'");
            }
        }
    }

    private static void CheckCount(int count, JsonObject schema, string minKey, string maxKey, string unit, string path, Findings errors)
    {
        if (schema[minKey] is JsonValue min && count < int.Parse(min.ToJsonString(), CultureInfo.InvariantCulture))
        {
            errors.Problems.Add($"{path}: Invalid value: {count}: {path} in body should have at least {min.ToJsonString()} {unit}");
        }

        if (schema[maxKey] is JsonValue max && count > int.Parse(max.ToJsonString(), CultureInfo.InvariantCulture))
        {
            errors.Problems.Add($"{path}: Too long: may have at most {max.ToJsonString()} {unit}");
        }
    }

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>What one pass found: validation problems, and the paths of fields pruned as undeclared.</summary>
    private sealed class Findings
    {
        public List<string> Problems { get; } = [];

        public List<string> Unknown { get; } = [];
    }
}
