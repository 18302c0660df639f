using System.Text.Json.Nodes;

namespace QuantServe.Operator.Runtime;

/// <summary>Brings one child to its desired state: create when missing, otherwise overlay the fields the
/// operator owns on the live object and PUT it with its resourceVersion (a 409 surfaces as an error and
/// the reconcile is retried on fresh data). Returns whether anything was written. createOnly leaves
/// existing objects alone (claims: their spec is mostly immutable and may belong to the user).</summary>
public sealed class ChildWriter(KubeApi api)
{
    public async Task<bool> EnsureAsync(KubeResource resource, JsonObject desired, JsonObject? actual, CancellationToken ct, bool createOnly = false)
    {
        var ns = KubeApi.Namespace(desired);
        if (actual is null)
        {
            try
            {
                await api.CreateAsync(resource, ns, desired, ct);
            }
            catch (KubeApiException e) when (e.IsAlreadyExists)
            {
                // Our cache is behind the server: the child exists. Compare on the next pass.
                return false;
            }
            return true;
        }
        if (createOnly) return false;
        var desiredMeta = new JsonObject
        {
            ["labels"] = desired["metadata"]?["labels"]?.DeepClone(),
            ["ownerReferences"] = desired["metadata"]?["ownerReferences"]?.DeepClone(),
        };
        if (JsonSubset.IsSubset(desired["spec"], actual["spec"]) && JsonSubset.IsSubset(desiredMeta, actual["metadata"])) return false;
        var updated = (JsonObject)actual.DeepClone();
        Overlay(updated, "spec", desired["spec"]);
        var meta = (JsonObject)updated["metadata"]!;
        Overlay(meta, "labels", desired["metadata"]?["labels"]);
        if (desired["metadata"]?["ownerReferences"] is { } owners) meta["ownerReferences"] = owners.DeepClone();
        updated.Remove("status");
        await api.ReplaceAsync(resource, updated, ct);
        return true;
    }

    /// <summary>Objects merge field by field; arrays and values are replaced.</summary>
    private static void Overlay(JsonObject target, string key, JsonNode? desired)
    {
        if (desired is null) return;
        if (desired is JsonObject d && target[key] is JsonObject t)
        {
            foreach (var (k, v) in d) Overlay(t, k, v);
            return;
        }
        target[key] = desired.DeepClone();
    }
}
