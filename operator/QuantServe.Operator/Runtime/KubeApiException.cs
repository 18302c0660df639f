using System.Net;

namespace QuantServe.Operator.Runtime;

/// <summary>A non-success answer of the API server, with its Status reason (Conflict, AlreadyExists...).</summary>
public sealed class KubeApiException(HttpStatusCode status, string? reason, string message, string method, string path)
    : Exception($"{method} {path}: {(int)status} {reason}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Reason { get; } = reason;
    public bool IsNotFound => Status == HttpStatusCode.NotFound;
    public bool IsConflict => Status == HttpStatusCode.Conflict && Reason != "AlreadyExists";
    public bool IsAlreadyExists => Status == HttpStatusCode.Conflict && Reason == "AlreadyExists";
    public bool IsGone => Status == HttpStatusCode.Gone || Reason == "Expired";
}
