using System.Text.Json.Nodes;

namespace QuantServe.KubeEmulator.Patching;

/// <summary>
/// Server-side apply (application/apply-patch+yaml), simplified: the applied configuration is merged into the
/// live object with the strategic-merge list rules (lists with a merge key act as listType=map, others are
/// atomic), and fields this field manager applied last time but omits now are removed. Field ownership
/// conflicts between managers are not detected (force is accepted and changes nothing); managedFields is not written.
/// </summary>
internal sealed class ServerSideApply
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _lastApplied = [];

    public JsonObject Merge(JsonObject current, JsonObject applied, string? uid, string manager, string? subresource)
    {
        var result = (JsonObject)current.DeepClone();
        JsonObject? prior;
        lock (_gate)
        {
            prior = uid is null ? null : _lastApplied.GetValueOrDefault(Key(uid, manager, subresource));
        }

        if (prior is not null)
        {
            RemoveDropped(result, prior, applied);
        }

        return (JsonObject)StrategicMergePatch.Apply(result, applied)!;
    }

    public void Remember(string? uid, string manager, string? subresource, JsonObject applied)
    {
        if (uid is null)
        {
            return;
        }

        lock (_gate)
        {
            _lastApplied[Key(uid, manager, subresource)] = (JsonObject)applied.DeepClone();
        }
    }

    private static string Key(string uid, string manager, string? subresource) => $"{uid}|{manager}|{subresource}";

    private static void RemoveDropped(JsonObject target, JsonObject prior, JsonObject applied)
    {
        foreach (var (key, priorValue) in prior)
        {
            if (key is "apiVersion" or "kind")
            {
                continue;
            }

            if (!applied.ContainsKey(key))
            {
                target.Remove(key);
                continue;
            }

            var appliedValue = applied[key];
            if (priorValue is JsonObject priorObject && appliedValue is JsonObject appliedObject && target[key] is JsonObject targetObject)
            {
                RemoveDropped(targetObject, priorObject, appliedObject);
            }
            else if (priorValue is JsonArray priorList && appliedValue is JsonArray appliedList && target[key] is JsonArray targetList
                && StrategicMergePatch.MergeKeyFor(key, priorList) is { } mergeKey)
            {
                foreach (var element in priorList.OfType<JsonObject>())
                {
                    var live = targetList.OfType<JsonObject>().FirstOrDefault(t => JsonNode.DeepEquals(t[mergeKey], element[mergeKey]));
                    var kept = appliedList.OfType<JsonObject>().FirstOrDefault(a => JsonNode.DeepEquals(a[mergeKey], element[mergeKey]));
                    if (live is null)
                    {
                        continue;
                    }

                    if (kept is null)
                    {
                        targetList.Remove(live);
                    }
                    else
                    {
                        RemoveDropped(live, element, kept);
                    }
                }
            }
        }
    }
}
