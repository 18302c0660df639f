using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;

namespace QuantServe.KubeEmulator.Resources;

/// <summary>The resources served right now: the built-ins plus one per established CRD.</summary>
internal sealed class ResourceCatalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ResourceType> _byKey = [];

    public ResourceCatalog()
    {
        foreach (var type in BuiltInResources.All)
        {
            _byKey[type.Key] = type;
        }
    }

    public IReadOnlyList<ResourceType> Snapshot()
    {
        lock (_gate)
        {
            return [.. _byKey.Values];
        }
    }

    public ResourceType? Find(string group, string version, string plural)
    {
        lock (_gate)
        {
            return _byKey.TryGetValue(group + "/" + plural, out var type) && type.Versions.Contains(version) ? type : null;
        }
    }

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        lock (_gate)
        {
            return _byKey.Values.FirstOrDefault(t => t.Group == group && t.Kind == kind && t.Versions.Contains(version));
        }
    }

    public bool IsBuiltIn(string group, string plural) =>
        BuiltInResources.All.Any(t => t.Group == group && t.Plural == plural);

    public void Register(ResourceType type)
    {
        lock (_gate)
        {
            _byKey[type.Key] = type;
        }
    }

    public void Unregister(ResourceType type)
    {
        lock (_gate)
        {
            _byKey.Remove(type.Key);
        }
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    /// <summary>Reads the served resource a CRD declares; throws 422 Invalid naming the bad field.</summary>
    public ResourceType FromCustomResourceDefinition(JsonObject crd)
    {
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var spec = crd["spec"] as JsonObject ?? throw Invalid(name, "spec", "Required value");
        var group = RequiredString(spec, "group", name, "spec.group");
        var names = spec["names"] as JsonObject ?? throw Invalid(name, "spec.names", "Required value");
        var plural = RequiredString(names, "plural", name, "spec.names.plural");
        var kind = RequiredString(names, "kind", name, "spec.names.kind");
        if (name != plural + "." + group)
        {
            throw Invalid(name, "metadata.name", $"must be spec.names.plural+\".\"+spec.group (\"{plural}.{group}\")");
        }

        if (IsBuiltIn(group, plural))
        {
            throw Invalid(name, "spec.group", $"\"{group}\" is served by the emulator itself");
        }

        var scope = spec["scope"]?.GetValue<string>();
        if (scope is not ("Namespaced" or "Cluster"))
        {
            throw Invalid(name, "spec.scope", "Unsupported value: must be Namespaced or Cluster");
        }

        var versions = spec["versions"] as JsonArray;
        if (versions is null || versions.Count == 0)
        {
            throw Invalid(name, "spec.versions", "must have exactly one version marked as storage version");
        }

        var storage = versions.OfType<JsonObject>().Where(v => v["storage"]?.GetValue<bool>() == true).ToList();
        if (storage.Count != 1)
        {
            throw Invalid(name, "spec.versions", "must have exactly one version marked as storage version");
        }

        var served = versions.OfType<JsonObject>()
            .Where(v => v["served"]?.GetValue<bool>() == true)
            .OrderByDescending(v => v == storage[0])
            .ToList();
        if (served.Count == 0)
        {
            throw Invalid(name, "spec.versions", "must have at least one served version");
        }

        var subresources = storage[0]["subresources"] as JsonObject;
        ScaleSubresource? scale = null;
        if (subresources?["scale"] is JsonObject scaleSpec)
        {
            scale = new ScaleSubresource(
                scaleSpec["specReplicasPath"]?.GetValue<string>() ?? throw Invalid(name, "subresources.scale.specReplicasPath", "Required value"),
                scaleSpec["statusReplicasPath"]?.GetValue<string>() ?? throw Invalid(name, "subresources.scale.statusReplicasPath", "Required value"),
                scaleSpec["labelSelectorPath"]?.GetValue<string>());
        }

        var columns = new Dictionary<string, JsonArray>();
        foreach (var version in served)
        {
            columns[version["name"]!.GetValue<string>()] =
                version["additionalPrinterColumns"]?.DeepClone() as JsonArray ?? [];
        }

        return new ResourceType
        {
            Group = group,
            Versions = [.. served.Select(v => v["name"]!.GetValue<string>())],
            Plural = plural,
            Singular = names["singular"]?.GetValue<string>() ?? kind.ToLowerInvariant(),
            Kind = kind,
            Namespaced = scope == "Namespaced",
            ShortNames = [.. (names["shortNames"] as JsonArray ?? []).Select(n => n!.GetValue<string>())],
            Categories = [.. (names["categories"] as JsonArray ?? []).Select(n => n!.GetValue<string>())],
            HasStatus = subresources?["status"] is not null,
            Scale = scale,
            IsCustom = true,
            Schema = storage[0]["schema"]?["openAPIV3Schema"]?.DeepClone() as JsonObject,
            PrinterColumns = columns,
            SelectableFields =
            [
                .. (storage[0]["selectableFields"] as JsonArray ?? [])
                    .Select(f => f?["jsonPath"]?.GetValue<string>().TrimStart('.'))
                    .OfType<string>(),
            ],
        };
    }

    private static string RequiredString(JsonObject parent, string key, string crdName, string field) =>
        parent[key]?.GetValue<string>() is { Length: > 0 } value ? value : throw Invalid(crdName, field, "Required value");

    private static ApiException Invalid(string crdName, string field, string detail) =>
        ApiException.Invalid($"CustomResourceDefinition.apiextensions.k8s.io \"{crdName}\" is invalid: {field}: {detail}");
}
