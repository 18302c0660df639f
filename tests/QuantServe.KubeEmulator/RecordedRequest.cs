namespace QuantServe.KubeEmulator;

/// <summary>One request the emulator answered (watches are recorded when their stream starts).</summary>
/// <param name="Method">HTTP method, e.g. "POST".</param>
/// <param name="Path">The URL path, e.g. "/apis/batch/v1/namespaces/default/jobs".</param>
/// <param name="Query">The query string with its leading '?', or "".</param>
/// <param name="StatusCode">The HTTP status answered.</param>
/// <param name="ContentType">The request's Content-Type (tells a merge patch from server-side apply), or null.</param>
public sealed record RecordedRequest(string Method, string Path, string Query, int StatusCode, string? ContentType)
{
    /// <summary>True when this was a watch (?watch=true or ?watch=1, or a legacy /watch/ path).</summary>
    public bool IsWatch =>
        Query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) || Query.Contains("watch=1", StringComparison.Ordinal)
        || Path.Contains("/watch/", StringComparison.Ordinal);
}
