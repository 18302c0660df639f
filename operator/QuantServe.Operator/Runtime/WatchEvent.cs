using System.Text.Json.Nodes;

namespace QuantServe.Operator.Runtime;

/// <summary>One line of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</summary>
public sealed record WatchEvent(string Type, JsonObject Object);
