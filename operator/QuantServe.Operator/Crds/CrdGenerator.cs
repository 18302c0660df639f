using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using QuantServe.Operator.Entities;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Crds;

/// <summary>Builds CustomResourceDefinitions from the entity types: schema (descriptions, enums, defaults,
/// ranges, patterns, CEL rules), printer columns, short names, status and scale subresources.
/// The YAML in crds/ is this output and is never edited by hand.</summary>
public static class CrdGenerator
{
    /// <summary>The entity types that become CRDs.</summary>
    public static readonly Type[] Entities = [typeof(V1Alpha1InferenceService), typeof(V1Alpha1QuantizationJob)];

    /// <summary>The file name of an entity's CRD: group_plural.yaml (the kubebuilder convention).</summary>
    public static string FileName(Type entity)
    {
        var attribute = EntityAttribute(entity);
        return $"{attribute.Group}_{attribute.PluralName}.yaml";
    }

    /// <summary>The YAML text of every CRD, keyed by file name.</summary>
    public static IReadOnlyDictionary<string, string> GenerateAll() =>
        Entities.ToDictionary(FileName, entity => YamlJsonConverter.ToYaml(Generate(entity)));

    /// <summary>Writes every CRD into <paramref name="directory"/>, returning the paths written.</summary>
    public static IReadOnlyList<string> WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var (name, yaml) in GenerateAll())
        {
            var path = Path.Combine(directory, name);
            File.WriteAllText(path, yaml);
            written.Add(path);
        }
        return written;
    }

    public static JsonObject Generate(Type entity)
    {
        var attribute = EntityAttribute(entity);
        var specType = entity.GetProperty("Spec")!.PropertyType;
        var statusType = Nullable.GetUnderlyingType(entity.GetProperty("Status")!.PropertyType) ?? entity.GetProperty("Status")!.PropertyType;
        var singular = attribute.Kind.ToLowerInvariant();

        var root = new JsonObject
        {
            ["description"] = entity.GetCustomAttribute<DescriptionAttribute>()?.Description ?? attribute.Kind,
            ["type"] = "object",
            ["required"] = new JsonArray("spec"),
            ["properties"] = new JsonObject
            {
                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                ["kind"] = new JsonObject { ["type"] = "string" },
                ["metadata"] = new JsonObject { ["type"] = "object" },
                ["spec"] = ObjectSchema(specType),
                ["status"] = ObjectSchema(statusType),
            },
        };

        var subresources = new JsonObject { ["status"] = new JsonObject() };
        if (entity.GetCustomAttribute<ScaleSubresourceAttribute>() is { } scale)
        {
            subresources["scale"] = new JsonObject
            {
                ["specReplicasPath"] = scale.SpecReplicasPath,
                ["statusReplicasPath"] = scale.StatusReplicasPath,
                ["labelSelectorPath"] = scale.LabelSelectorPath,
            };
        }

        var columns = new JsonArray();
        foreach (var column in entity.GetCustomAttributes<PrinterColumnAttribute>().OrderBy(c => c.Order))
        {
            var json = new JsonObject { ["name"] = column.Name, ["type"] = column.Type, ["jsonPath"] = column.JsonPath };
            if (column.Priority != 0) json["priority"] = column.Priority;
            if (column.Description is not null) json["description"] = column.Description;
            columns.Add(json);
        }

        var names = new JsonObject
        {
            ["kind"] = attribute.Kind,
            ["listKind"] = attribute.Kind + "List",
            ["plural"] = attribute.PluralName,
            ["singular"] = singular,
            ["categories"] = new JsonArray("quantserve"),
        };
        var shortNames = entity.GetCustomAttributes<ShortNameAttribute>().Select(s => (JsonNode?)s.Name).ToArray();
        if (shortNames.Length > 0) names["shortNames"] = new JsonArray(shortNames);

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{attribute.PluralName}.{attribute.Group}",
                ["annotations"] = new JsonObject { ["quantserve.dev/generated-by"] = "quantserve-operator crds" },
            },
            ["spec"] = new JsonObject
            {
                ["group"] = attribute.Group,
                ["names"] = names,
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = attribute.ApiVersion,
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = root },
                    ["subresources"] = subresources,
                    ["additionalPrinterColumns"] = columns,
                }),
            },
        };
    }

    private static KubernetesEntityAttribute EntityAttribute(Type entity) =>
        entity.GetCustomAttribute<KubernetesEntityAttribute>()
        ?? throw new ArgumentException($"{entity.Name} has no [KubernetesEntity] attribute", nameof(entity));

    private static JsonObject ObjectSchema(Type type)
    {
        var schema = new JsonObject();
        if (type.GetCustomAttribute<DescriptionAttribute>() is { } description) schema["description"] = description.Description;
        schema["type"] = "object";
        var properties = new JsonObject();
        var required = new JsonArray();
        var defaults = type.GetConstructor(Type.EmptyTypes) is not null ? Activator.CreateInstance(type) : null;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
                     .OrderBy(p => JsonName(p), StringComparer.Ordinal))
        {
            var name = JsonName(property);
            properties[name] = PropertySchema(property, defaults);
            if (property.GetCustomAttribute<RequiredAttribute>() is not null) required.Add(name);
        }
        schema["properties"] = properties;
        if (required.Count > 0) schema["required"] = required;
        AddRules(schema, type.GetCustomAttributes<CelRuleAttribute>(inherit: true));
        return schema;
    }

    private static JsonObject PropertySchema(PropertyInfo property, object? defaults)
    {
        var schema = TypeSchema(property.PropertyType);
        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
        {
            // The property's own words come first in `kubectl explain`.
            var copy = new JsonObject { ["description"] = description.Description };
            foreach (var (key, value) in schema)
                if (key != "description") copy[key] = value?.DeepClone();
            schema = copy;
        }
        if (property.GetCustomAttribute<SchemaDefaultAttribute>() is not null && defaults is not null)
        {
            var value = property.GetValue(defaults)
                ?? throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name} is [SchemaDefault] but starts null");
            schema["default"] = JsonSerializer.SerializeToNode(value, property.PropertyType);
        }
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            schema["minimum"] = JsonValue.Create(System.Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
            var maximum = System.Convert.ToDouble(range.Maximum, System.Globalization.CultureInfo.InvariantCulture);
            if (maximum < int.MaxValue) schema["maximum"] = JsonValue.Create(maximum);
            if (schema["type"]?.GetValue<string>() == "integer")
            {
                schema["minimum"] = JsonValue.Create((long)System.Convert.ToDouble(range.Minimum, System.Globalization.CultureInfo.InvariantCulture));
                if (maximum < int.MaxValue) schema["maximum"] = JsonValue.Create((long)maximum);
            }
        }
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } pattern) schema["pattern"] = pattern.Pattern;
        if (property.GetCustomAttribute<AllowedValuesAttribute>() is { } allowed)
            schema["enum"] = new JsonArray(allowed.Values.Select(v => JsonValue.Create(v?.ToString())).ToArray<JsonNode?>());
        if (property.GetCustomAttribute<RequiredAttribute>() is not null && schema["type"]?.GetValue<string>() == "string")
            schema["minLength"] = 1;
        AddRules(schema, property.GetCustomAttributes<CelRuleAttribute>());
        return schema;
    }

    private static void AddRules(JsonObject schema, IEnumerable<CelRuleAttribute> rules)
    {
        var list = new JsonArray();
        foreach (var rule in rules)
        {
            var json = new JsonObject { ["rule"] = rule.Rule, ["message"] = rule.Message };
            if (rule.FieldPath is not null) json["fieldPath"] = rule.FieldPath;
            if (rule.Reason is not null) json["reason"] = rule.Reason;
            list.Add(json);
        }
        if (list.Count > 0)
        {
            var existing = schema["x-kubernetes-validations"] as JsonArray;
            if (existing is null) schema["x-kubernetes-validations"] = list;
            else foreach (var item in list) existing.Add(item?.DeepClone());
        }
    }

    private static JsonObject TypeSchema(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return new JsonObject { ["type"] = "string" };
        if (type == typeof(bool)) return new JsonObject { ["type"] = "boolean" };
        if (type == typeof(int)) return new JsonObject { ["type"] = "integer", ["format"] = "int32" };
        if (type == typeof(long)) return new JsonObject { ["type"] = "integer", ["format"] = "int64" };
        if (type == typeof(double)) return new JsonObject { ["type"] = "number" };
        if (type == typeof(DateTime)) return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        if (type.IsEnum)
        {
            var values = type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => (JsonNode?)(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name)).ToArray();
            return new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(values) };
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = TypeSchema(type.GetGenericArguments()[1]) };
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            return new JsonObject { ["type"] = "array", ["items"] = TypeSchema(type.GetGenericArguments()[0]) };
        if (typeof(IEnumerable).IsAssignableFrom(type))
            throw new NotSupportedException($"collection type {type.Name} has no schema mapping");
        if (type == typeof(V1Condition)) return ConditionSchema();
        if (type.Namespace == typeof(V1ObjectMeta).Namespace)
        {
            // Core Kubernetes types (tolerations, affinity, resources, env): the API server validates
            // them when the pod is created; repeating their large schemas here adds nothing.
            var isList = type.Name.EndsWith("List", StringComparison.Ordinal);
            return new JsonObject
            {
                ["description"] = $"A Kubernetes {type.Name[2..]} (core/v1 schema).",
                ["type"] = isList ? "array" : "object",
                ["x-kubernetes-preserve-unknown-fields"] = true,
            };
        }
        return ObjectSchema(type);
    }

    private static JsonObject ConditionSchema() => new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray("type", "status"),
        ["properties"] = new JsonObject
        {
            ["lastTransitionTime"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ["message"] = new JsonObject { ["type"] = "string" },
            ["observedGeneration"] = new JsonObject { ["type"] = "integer", ["format"] = "int64" },
            ["reason"] = new JsonObject { ["type"] = "string" },
            ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("True", "False", "Unknown") },
            ["type"] = new JsonObject { ["type"] = "string" },
        },
    };

    private static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name} has no [JsonPropertyName]");
}
