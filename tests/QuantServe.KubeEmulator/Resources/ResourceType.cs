using System.Text.Json.Nodes;

namespace QuantServe.KubeEmulator.Resources;

/// <summary>One served resource (built in, or registered by a CustomResourceDefinition).</summary>
internal sealed record ResourceType
{
    public required string Group { get; init; }

    /// <summary>Served versions, the storage (preferred) version first.</summary>
    public required IReadOnlyList<string> Versions { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    /// <summary>Discovery categories, e.g. "all" (what `kubectl get all` lists).</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>True when a /status subresource exists: the main resource then ignores status changes.</summary>
    public bool HasStatus { get; init; }

    public ScaleSubresource? Scale { get; init; }

    /// <summary>True for resources served through a CRD (strategic merge patch is refused, as on a real server).</summary>
    public bool IsCustom { get; init; }

    /// <summary>The storage version's openAPIV3Schema (CRDs only): pruning, defaults and validation on every write.</summary>
    public JsonObject? Schema { get; init; }

    /// <summary>additionalPrinterColumns per version (CRDs only).</summary>
    public IReadOnlyDictionary<string, JsonArray> PrinterColumns { get; init; } = new Dictionary<string, JsonArray>();

    /// <summary>Fields a fieldSelector may name besides metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    public string Key => Group + "/" + Plural;

    public string ListKind => Kind + "List";

    /// <summary>"plural.group" or "plural" for the core group, as error messages spell it.</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : Plural + "." + Group;

    public string ApiVersion(string version) => Group.Length == 0 ? version : Group + "/" + version;

    public string PreferredVersion => Versions[0];
}
