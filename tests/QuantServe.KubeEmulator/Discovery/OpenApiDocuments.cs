using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Resources;

namespace QuantServe.KubeEmulator.Discovery;

/// <summary>
/// The smallest OpenAPI v3 that lets `kubectl apply` validate without --validate=false: kubectl's
/// query-param verifier looks for a PATCH operation tagged with the kind's x-kubernetes-group-version-kind
/// that takes a "fieldValidation" parameter; finding one, it leaves validation to the server (which accepts
/// the parameter and, like a server without schemas, validates nothing). No schemas are published, so
/// kubectl's apply falls back to its compiled-in types for strategic merge patches.
/// </summary>
internal static class OpenApiDocuments
{
    public static JsonObject Root(IReadOnlyList<ResourceType> types)
    {
        var paths = new JsonObject();
        foreach (var (group, version) in GroupVersions(types))
        {
            var key = group.Length == 0 ? "api/" + version : $"apis/{group}/{version}";
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(GroupVersion(types, group, version)!.ToJsonString())))[..16];
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(IReadOnlyList<ResourceType> types, string group, string version)
    {
        var served = types.Where(t => t.Group == group && t.Versions.Contains(version)).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var prefix = group.Length == 0 ? "/api/" + version : $"/apis/{group}/{version}";
        var paths = new JsonObject();
        foreach (var type in served)
        {
            var item = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            paths[item] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = "patch" + type.Kind,
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = type.Kind },
                    ["parameters"] = new JsonArray(
                        Parameter("fieldValidation", "query"),
                        Parameter("fieldManager", "query"),
                        Parameter("dryRun", "query"),
                        Parameter("force", "query")),
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (QuantServe emulator)", ["version"] = "v1" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Parameter(string name, string location) => new()
    {
        ["name"] = name,
        ["in"] = location,
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static IEnumerable<(string Group, string Version)> GroupVersions(IReadOnlyList<ResourceType> types) =>
        types.SelectMany(t => t.Versions.Select(v => (t.Group, v))).Distinct().OrderBy(gv => gv.Group, StringComparer.Ordinal);
}
