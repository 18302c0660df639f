using System.Text.Json.Nodes;

namespace QuantServe.KubeEmulator.Patching;

/// <summary>
/// Strategic merge patch for built-in types: a merge patch where lists with a known merge key are merged
/// element by element. Supported: merge keys by field name (containers, initContainers, ephemeralContainers,
/// volumes, env, imagePullSecrets -> name; volumeMounts -> mountPath; ports -> containerPort, or port for
/// Service ports; conditions -> type; ownerReferences -> uid; topologySpreadConstraints -> topologyKey),
/// finalizers merged as a set, the directives $patch: delete|replace|merge, $deleteFromPrimitiveList/field,
/// and $setElementOrder/field and $retainKeys (accepted, ignored: element order is not enforced).
/// Every other list is replaced whole. Server-side apply reuses the same list rules (listType=map).
/// </summary>
internal static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["imagePullSecrets"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["topologySpreadConstraints"] = "topologyKey",
        ["hostAliases"] = "ip",
    };

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (Directive(patchObject) == "replace")
        {
            return StripDirectives(patchObject);
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray primitives && value is JsonArray doomed)
                {
                    foreach (var item in primitives.Where(p => doomed.Any(d => JsonNode.DeepEquals(d, p))).ToList())
                    {
                        primitives.Remove(item);
                    }
                }

                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList)
            {
                result[key] = MergeList(result[key] as JsonArray, patchList, key);
            }
            else if (value is JsonObject nested && Directive(nested) == "delete")
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key], value);
            }
        }

        return result;
    }

    /// <summary>The key list elements of this field are identified by, or null when the list is atomic.</summary>
    public static string? MergeKeyFor(string field, JsonArray items)
    {
        if (field == "ports")
        {
            return items.OfType<JsonObject>().Any(i => i.ContainsKey("containerPort")) ? "containerPort" : "port";
        }

        return MergeKeys.GetValueOrDefault(field);
    }

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, string field)
    {
        if (field == "finalizers")
        {
            var union = target is null ? [] : (JsonArray)target.DeepClone();
            foreach (var item in patch.Where(p => !union.Any(u => JsonNode.DeepEquals(u, p))))
            {
                union.Add(item?.DeepClone());
            }

            return union;
        }

        var mergeKey = MergeKeyFor(field, patch);
        if (mergeKey is null || target is null || patch.OfType<JsonObject>().Any(p => Directive(p) == "replace"))
        {
            // An atomic list (or a list-level $patch: replace) takes the patch's elements as they are.
            return
            [
                .. patch
                    .Where(p => p is not JsonObject o || Directive(o) is not ("replace" or "delete"))
                    .Select(p => p is JsonObject o ? StripDirectives(o) : p?.DeepClone()),
            ];
        }

        var result = (JsonArray)target.DeepClone();
        foreach (var item in patch)
        {
            if (item is not JsonObject element)
            {
                continue;
            }

            var existing = result.OfType<JsonObject>().FirstOrDefault(r => JsonNode.DeepEquals(r[mergeKey], element[mergeKey]));
            if (Directive(element) == "delete")
            {
                if (existing is not null)
                {
                    result.Remove(existing);
                }
            }
            else if (existing is not null)
            {
                var index = result.IndexOf(existing);
                result[index] = Apply(existing, element);
            }
            else
            {
                result.Add(StripDirectives(element));
            }
        }

        return result;
    }

    private static string? Directive(JsonObject node) => node["$patch"] is JsonValue v ? v.ToString() : null;

    private static JsonNode StripDirectives(JsonObject node)
    {
        var clone = (JsonObject)node.DeepClone();
        foreach (var key in clone.Select(kv => kv.Key).Where(k => k.StartsWith('$')).ToList())
        {
            clone.Remove(key);
        }

        return clone;
    }
}
