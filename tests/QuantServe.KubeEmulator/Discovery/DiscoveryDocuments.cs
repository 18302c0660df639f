using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Resources;

namespace QuantServe.KubeEmulator.Discovery;

/// <summary>
/// Legacy (unaggregated) discovery: /api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}.
/// kubectl asks for aggregated discovery first and falls back to these when the answer is plain application/json.
/// </summary>
internal static class DiscoveryDocuments
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(IReadOnlyList<ResourceType> types) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. Groups(types).Select(g => (JsonNode)Group(g.Name, g.Versions))]),
    };

    public static JsonObject? GroupDocument(IReadOnlyList<ResourceType> types, string group)
    {
        var found = Groups(types).FirstOrDefault(g => g.Name == group);
        if (found.Name is null)
        {
            return null;
        }

        var document = Group(found.Name, found.Versions);
        document["kind"] = "APIGroup";
        document["apiVersion"] = "v1";
        return document;
    }

    public static JsonObject? ResourceList(IReadOnlyList<ResourceType> types, string group, string version)
    {
        var served = types.Where(t => t.Group == group && t.Versions.Contains(version)).OrderBy(t => t.Plural, StringComparer.Ordinal).ToList();
        if (served.Count == 0 && !(group.Length == 0 && version == "v1"))
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in served)
        {
            resources.Add(new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. AllVerbs.Select(v => (JsonNode)v)]),
                ["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]),
                ["categories"] = new JsonArray([.. type.Categories.Select(c => (JsonNode)c)]),
            });
            if (type.HasStatus)
            {
                resources.Add(Subresource(type.Plural + "/status", type.Namespaced, type.Kind, null, null));
            }

            if (type.Scale is not null)
            {
                resources.Add(Subresource(type.Plural + "/scale", type.Namespaced, "Scale", "autoscaling", "v1"));
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    private static JsonObject Subresource(string name, bool namespaced, string kind, string? group, string? version)
    {
        var resource = new JsonObject
        {
            ["name"] = name,
            ["singularName"] = "",
            ["namespaced"] = namespaced,
            ["kind"] = kind,
            ["verbs"] = new JsonArray([.. SubresourceVerbs.Select(v => (JsonNode)v)]),
        };
        if (group is not null)
        {
            resource["group"] = group;
            resource["version"] = version;
        }

        return resource;
    }

    private static List<(string Name, List<string> Versions)> Groups(IReadOnlyList<ResourceType> types) =>
    [
        .. types.Where(t => t.Group.Length > 0)
            .GroupBy(t => t.Group)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, g.SelectMany(t => t.Versions).Distinct().ToList())),
    ];

    private static JsonObject Group(string name, List<string> versions)
    {
        JsonObject Version(string v) => new() { ["groupVersion"] = name + "/" + v, ["version"] = v };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(v))]),
            ["preferredVersion"] = Version(versions[0]),
        };
    }
}
