using System.Text.Json.Nodes;
using System.Threading.Channels;
using QuantServe.KubeEmulator.Resources;
using QuantServe.KubeEmulator.Selection;

namespace QuantServe.KubeEmulator.Storage;

/// <summary>One open watch: its filter and the queue of events its HTTP stream drains.</summary>
internal sealed class WatchSubscription(
    ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
{
    public ResourceType Type { get; } = type;

    public bool Bookmarks { get; } = bookmarks;

    public Channel<(string Kind, JsonObject Object)> Events { get; } = Channel.CreateUnbounded<(string, JsonObject)>();

    /// <summary>Cancelled when the emulator drops every watch (a test simulating a server-side close).</summary>
    public CancellationTokenSource Dropped { get; } = new();

    public bool Matches(JsonObject obj) =>
        (ns is null || obj["metadata"]?["namespace"]?.GetValue<string>() == ns) && labels.Matches(obj) && fields.Matches(obj);

    /// <summary>Queues what this watcher sees of a change; objects leaving or entering the selector become DELETED or ADDED.</summary>
    public void Offer(StoredEvent change)
    {
        if (change.Type.Key != Type.Key)
        {
            return;
        }

        var now = Matches(change.Current);
        var before = change.Previous is not null && Matches(change.Previous);
        var kind = change.Kind switch
        {
            "ADDED" => now ? "ADDED" : null,
            "DELETED" => now || before ? "DELETED" : null,
            _ when now && before => "MODIFIED",
            _ when now => "ADDED",
            _ when before => "DELETED",
            _ => null,
        };
        if (kind is not null)
        {
            Events.Writer.TryWrite((kind, change.Current));
        }
    }
}
