using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace QuantServe.Operator.Runtime;

/// <summary>Writes core/v1 Events about an object (what `kubectl describe` shows). Best effort: a lost
/// Event must never fail a reconcile.</summary>
public sealed class EventRecorder(KubeApi api, string component, ILogger logger)
{
    public async Task RecordAsync(JsonObject involved, string type, string reason, string message, CancellationToken ct)
    {
        var ns = KubeApi.Namespace(involved);
        var name = KubeApi.Name(involved);
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var ev = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Event",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{name}.{Guid.NewGuid():N}"[..Math.Min(name.Length + 17, 253)],
                ["namespace"] = ns,
            },
            ["involvedObject"] = new JsonObject
            {
                ["apiVersion"] = involved["apiVersion"]?.DeepClone(),
                ["kind"] = involved["kind"]?.DeepClone(),
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = involved["metadata"]?["uid"]?.DeepClone(),
            },
            ["type"] = type,
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = new JsonObject { ["component"] = component },
            ["firstTimestamp"] = now,
            ["lastTimestamp"] = now,
            ["count"] = 1,
        };
        logger.LogInformation("event {Type} {Reason} on {Kind} {Namespace}/{Name}: {Message}",
            type, reason, involved["kind"]?.GetValue<string>(), ns, name, message);
        try
        {
            await api.CreateAsync(KubeResource.Events, ns, ev, ct);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException)
        {
            logger.LogDebug("could not record event {Reason}: {Error}", reason, e.Message);
        }
    }
}
