using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Resources;

namespace QuantServe.KubeEmulator.Storage;

/// <summary>One change in the store's history: what a watch replays from a resourceVersion.</summary>
/// <param name="Kind">ADDED, MODIFIED or DELETED.</param>
/// <param name="Revision">The resourceVersion the change produced.</param>
/// <param name="Type">The resource changed.</param>
/// <param name="Previous">The object before the change (null for ADDED), used to move objects in or out of a selector.</param>
/// <param name="Current">The object after the change (the last state for DELETED).</param>
internal sealed record StoredEvent(string Kind, long Revision, ResourceType Type, JsonObject? Previous, JsonObject Current);
