using System.Text.Json.Nodes;

namespace QuantServe.KubeEmulator.Http;

/// <summary>An API error that becomes a Kubernetes Status body with the given code and reason.</summary>
internal sealed class ApiException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public static ApiException NotFound(string resource, string name) =>
        new(404, "NotFound", $"{resource} \"{name}\" not found");

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException Invalid(string message) => new(422, "Invalid", message);

    public static ApiException Conflict(string message) => new(409, "Conflict", message);

    public JsonObject ToStatus() => StatusBodies.Failure(Code, Reason, Message);
}
