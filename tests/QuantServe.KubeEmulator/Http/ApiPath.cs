namespace QuantServe.KubeEmulator.Http;

/// <summary>A resource URL taken apart: /api/v1/namespaces/{ns}/{plural}/{name}/{subresource} and the /apis/{group} forms.</summary>
internal sealed record ApiPath(string Group, string Version, string? Namespace, string Plural, string? Name, string? Subresource, bool LegacyWatch)
{
    /// <summary>Parses a resource path; null when the path is not one (discovery and other endpoints).</summary>
    public static ApiPath? Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string version;
        string[] rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], segments[2..]);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            return null;
        }

        var legacyWatch = rest[0] == "watch";
        if (legacyWatch)
        {
            rest = rest[1..];
        }

        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && rest[2] is not ("status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }

        if (rest.Length is 0 or > 3)
        {
            throw new ApiException(404, "NotFound", "the server could not find the requested resource");
        }

        return new ApiPath(group, version, ns, rest[0], rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2), legacyWatch);
    }
}
