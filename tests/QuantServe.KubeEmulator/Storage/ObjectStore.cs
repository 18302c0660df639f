using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator.Http;
using QuantServe.KubeEmulator.Resources;
using QuantServe.KubeEmulator.Selection;

namespace QuantServe.KubeEmulator.Storage;

/// <summary>
/// The emulator's etcd: every object, one global resourceVersion counter, the change history watches replay,
/// and the open watches. One lock serializes all writes, so a write, its event and its history entry are atomic.
/// Stored objects are never mutated after they are stored (readers get them without copying).
/// </summary>
internal sealed class ObjectStore(ResourceCatalog catalog, int historyLimit)
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const string ForegroundFinalizer = "foregroundDeletion";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly LinkedList<StoredEvent> _history = new();
    private readonly List<WatchSubscription> _watches = [];
    private long _revision;
    private long _compactedRevision;

    public ResourceCatalog Catalog => catalog;

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Bucket(type).GetValueOrDefault(KeyOf(type, ns, name));
        }
    }

    public (List<JsonObject> Items, long Revision) List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        lock (_gate)
        {
            var items = Bucket(type).Values
                .Where(o => ns is null || !type.Namespaced || Namespace(o) == ns)
                .Where(o => labels.Matches(o) && fields.Matches(o))
                .ToList();
            return (items, _revision);
        }
    }

    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteMode mode, WriteOptions? options = null)
    {
        lock (_gate)
        {
            return CreateLocked(type, ns, body, mode, options ?? WriteOptions.Default);
        }
    }

    /// <summary>
    /// Read-modify-write under the lock: <paramref name="compute"/> gets the current object (null when absent and
    /// <paramref name="allowCreate"/>) and returns the desired one. A resourceVersion in the desired object is a precondition.
    /// </summary>
    public (JsonObject Result, bool Created) Write(
        ResourceType type, string? ns, string name, Func<JsonObject?, JsonObject> compute, WriteMode mode, bool allowCreate, WriteOptions? options = null)
    {
        options ??= WriteOptions.Default;
        lock (_gate)
        {
            var current = Bucket(type).GetValueOrDefault(KeyOf(type, ns, name));
            if (current is null)
            {
                if (!allowCreate)
                {
                    throw ApiException.NotFound(type.QualifiedName, name);
                }

                var fresh = compute(null);
                CheckNameAndNamespace(type, ns, name, fresh);
                var metadata = Metadata(fresh);
                metadata["name"] = name;
                metadata.Remove("resourceVersion");
                return (CreateLocked(type, ns, fresh, mode, options), true);
            }

            var desired = compute((JsonObject)current.DeepClone());
            return (UpdateLocked(type, current, desired, mode, options), false);
        }
    }

    public (JsonObject Result, bool Removed) Delete(ResourceType type, string? ns, string name, DeleteRequest request)
    {
        lock (_gate)
        {
            var current = Bucket(type).GetValueOrDefault(KeyOf(type, ns, name)) ?? throw ApiException.NotFound(type.QualifiedName, name);
            if (request.PreconditionUid is { } uid && uid != Uid(current))
            {
                throw ApiException.Conflict(
                    $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {Uid(current)}");
            }

            if (request.PreconditionResourceVersion is { } rv && rv != ResourceVersion(current))
            {
                throw ApiException.Conflict(
                    $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ResourceVersion(current)}");
            }

            return request.DryRun ? (current, Finalizers(current).Count == 0) : DeleteLocked(type, current, request.Propagation);
        }
    }

    /// <summary>
    /// Opens a watch from a resourceVersion: "" or "0" starts with the current objects as ADDED; an expired version
    /// is a 410. With <paramref name="sendInitialEvents"/> (the watch-list protocol) the current objects come first,
    /// then a BOOKMARK annotated k8s.io/initial-events-end.
    /// </summary>
    public WatchSubscription Watch(
        ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, string? resourceVersion, bool bookmarks, bool sendInitialEvents = false)
    {
        var subscription = new WatchSubscription(type, type.Namespaced ? ns : null, labels, fields, bookmarks);
        lock (_gate)
        {
            if (sendInitialEvents || string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                foreach (var obj in Bucket(type).Values.Where(subscription.Matches))
                {
                    subscription.Events.Writer.TryWrite(("ADDED", obj));
                }

                if (sendInitialEvents)
                {
                    var bookmark = Bookmark(type);
                    Metadata(bookmark)["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
                    subscription.Events.Writer.TryWrite(("BOOKMARK", bookmark));
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw ApiException.BadRequest($"invalid resource version \"{resourceVersion}\"");
                }

                if (from < _compactedRevision)
                {
                    throw new ApiException(410, "Expired", $"too old resource version: {from} ({_compactedRevision})");
                }

                foreach (var change in _history.Where(e => e.Revision > from))
                {
                    subscription.Offer(change);
                }
            }

            _watches.Add(subscription);
        }

        return subscription;
    }

    public void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watches.Remove(subscription);
        }
    }

    /// <summary>Queues a BOOKMARK at the current revision behind every event already queued for this watch.</summary>
    public void QueueBookmark(WatchSubscription subscription)
    {
        lock (_gate)
        {
            subscription.Events.Writer.TryWrite(("BOOKMARK", Bookmark(subscription.Type)));
        }
    }

    private JsonObject Bookmark(ResourceType type) => new()
    {
        ["kind"] = type.Kind,
        ["apiVersion"] = type.ApiVersion(type.PreferredVersion),
        ["metadata"] = new JsonObject { ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture) },
    };

    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watch in _watches)
            {
                watch.Dropped.Cancel();
            }

            _watches.Clear();
        }
    }

    /// <summary>Forgets the history: watches from any older resourceVersion now get 410 Expired.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _revision;
        }
    }

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        metadata = [];
        obj["metadata"] = metadata;
        return metadata;
    }

    public static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    public static string Name(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";

    public static string? Uid(JsonObject obj) => obj["metadata"]?["uid"]?.GetValue<string>();

    public static string? ResourceVersion(JsonObject obj) => obj["metadata"]?["resourceVersion"]?.GetValue<string>();

    private static List<string> Finalizers(JsonObject obj) =>
        [.. (obj["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f?.GetValue<string>() ?? "")];

    private static string KeyOf(ResourceType type, string? ns, string name) => type.Namespaced ? ns + "/" + name : "/" + name;

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type.Key, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[type.Key] = bucket;
        }

        return bucket;
    }

    private static void CheckNameAndNamespace(ResourceType type, string? ns, string? urlName, JsonObject obj)
    {
        var metadata = Metadata(obj);
        if (urlName is not null && metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != urlName)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({urlName})");
        }

        if (type.Namespaced && metadata["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNs && ns is not null && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private JsonObject CreateLocked(ResourceType type, string? ns, JsonObject body, WriteMode mode, WriteOptions options)
    {
        var obj = (JsonObject)body.DeepClone();
        if (obj["kind"]?.GetValue<string>() is { } kind && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind of the object ({kind}) does not match the resource ({type.Kind})");
        }

        obj["kind"] = type.Kind;
        obj["apiVersion"] ??= type.ApiVersion(type.PreferredVersion);
        CheckNameAndNamespace(type, ns, null, obj);
        var metadata = Metadata(obj);
        if (metadata["resourceVersion"] is not null)
        {
            throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
        }

        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var prefix = metadata["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(prefix))
            {
                throw ApiException.Invalid($"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
            }

            do
            {
                name = prefix + RandomNumberGenerator.GetString(NameAlphabet, 5);
            }
            while (Bucket(type).ContainsKey(KeyOf(type, ns, name)));
            metadata["name"] = name;
        }

        if (type.Namespaced)
        {
            ns ??= metadata["namespace"]?.GetValue<string>();
            if (string.IsNullOrEmpty(ns))
            {
                throw ApiException.BadRequest($"a namespace is required to create {type.QualifiedName} \"{name}\"");
            }

            metadata["namespace"] = ns;
            var owner = Bucket(BuiltInResources.Namespaces).GetValueOrDefault(KeyOf(BuiltInResources.Namespaces, null, ns))
                ?? throw ApiException.NotFound("namespaces", ns);
            if (owner["metadata"]?["deletionTimestamp"] is not null)
            {
                throw new ApiException(403, "Forbidden", $"{type.QualifiedName} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
            }
        }
        else
        {
            metadata.Remove("namespace");
        }

        if (Bucket(type).ContainsKey(KeyOf(type, ns, name)))
        {
            throw new ApiException(409, "AlreadyExists", $"{type.QualifiedName} \"{name}\" already exists");
        }

        if (mode != WriteMode.Raw && type.HasStatus)
        {
            obj.Remove("status");
        }

        if (type.Schema is not null)
        {
            StructuralSchema.Apply(obj, type.Schema, type.Kind, type.Group, options.StrictFields);
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Now();
        metadata["generation"] = 1L;
        metadata.Remove("deletionTimestamp");
        metadata.Remove("deletionGracePeriodSeconds");
        ResourceType? registered = null;
        if (type == BuiltInResources.CustomResourceDefinitions)
        {
            registered = catalog.FromCustomResourceDefinition(obj);
            if (mode != WriteMode.Raw || obj["status"] is null)
            {
                obj["status"] = EstablishedStatus(obj);
            }
        }
        else if (type == BuiltInResources.Namespaces && obj["status"] is null)
        {
            obj["status"] = new JsonObject { ["phase"] = "Active" };
        }

        obj = InConventionalOrder(obj);
        if (options.DryRun)
        {
            return obj;
        }

        Commit("ADDED", type, null, obj);
        if (registered is not null)
        {
            catalog.Register(registered);
        }

        return obj;
    }

    private JsonObject UpdateLocked(ResourceType type, JsonObject current, JsonObject desired, WriteMode mode, WriteOptions options)
    {
        var name = Name(current);
        CheckNameAndNamespace(type, Namespace(current), name, desired);
        var desiredMetadata = Metadata(desired);
        if (desiredMetadata["resourceVersion"]?.GetValue<string>() is { Length: > 0 } rv && rv != ResourceVersion(current))
        {
            throw ApiException.Conflict(
                $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }

        if (desiredMetadata["uid"]?.GetValue<string>() is { Length: > 0 } uid && uid != Uid(current))
        {
            throw ApiException.Conflict(
                $"Operation cannot be fulfilled on {type.QualifiedName} \"{name}\": Precondition failed: UID in precondition: {uid}, UID in object meta: {Uid(current)}");
        }

        JsonObject next;
        if (mode == WriteMode.Status)
        {
            next = (JsonObject)current.DeepClone();
            next["status"] = desired["status"]?.DeepClone();
            if (next["status"] is null)
            {
                next.Remove("status");
            }
        }
        else
        {
            next = (JsonObject)desired.DeepClone();
            if (mode == WriteMode.Main && type.HasStatus)
            {
                next["status"] = current["status"]?.DeepClone();
                if (next["status"] is null)
                {
                    next.Remove("status");
                }
            }

            var metadata = Metadata(next);
            foreach (var managed in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds" })
            {
                metadata[managed] = current["metadata"]?[managed]?.DeepClone();
                if (metadata[managed] is null)
                {
                    metadata.Remove(managed);
                }
            }

            next["kind"] = type.Kind;
            next["apiVersion"] = current["apiVersion"]?.DeepClone();
        }

        if (type.Schema is not null)
        {
            StructuralSchema.Apply(next, type.Schema, type.Kind, type.Group, options.StrictFields);
        }

        var nextMetadata = Metadata(next);
        nextMetadata["resourceVersion"] = ResourceVersion(current);
        if (current["metadata"]?["deletionTimestamp"] is not null && Finalizers(next).Except(Finalizers(current)).Any())
        {
            throw ApiException.Invalid($"{type.Kind} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");
        }

        if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(current), WithoutMetadataAndStatus(next)))
        {
            var generation = long.TryParse(current["metadata"]?["generation"]?.ToString(), CultureInfo.InvariantCulture, out var g) ? g : 0;
            nextMetadata["generation"] = generation + 1;
        }

        ResourceType? registered = null;
        if (type == BuiltInResources.CustomResourceDefinitions)
        {
            registered = catalog.FromCustomResourceDefinition(next);
            if (registered.Key != catalog.FromCustomResourceDefinition(current).Key)
            {
                throw ApiException.Invalid($"CustomResourceDefinition.apiextensions.k8s.io \"{name}\" is invalid: spec.group: Invalid value: field is immutable");
            }
        }

        if (JsonNode.DeepEquals(current, next) || options.DryRun)
        {
            // A no-op write keeps the resourceVersion and emits nothing, as on a real server.
            return options.DryRun ? next : current;
        }

        Commit("MODIFIED", type, current, next);
        if (registered is not null)
        {
            catalog.Register(registered);
        }

        if (next["metadata"]?["deletionTimestamp"] is not null && Finalizers(next).Count == 0)
        {
            return Remove(type, next, "Background");
        }

        return next;
    }

    private (JsonObject Result, bool Removed) DeleteLocked(ResourceType type, JsonObject current, string propagation)
    {
        if (propagation == "Foreground" && current["metadata"]?["deletionTimestamp"] is null && Dependents(Uid(current)).Count > 0)
        {
            return DeleteInForeground(type, current);
        }

        var isNamespace = type == BuiltInResources.Namespaces;
        if (Finalizers(current).Count == 0 && !(isNamespace && HasContents(Name(current))))
        {
            return (Remove(type, current, propagation), true);
        }

        if (current["metadata"]?["deletionTimestamp"] is not null)
        {
            return (current, false);
        }

        var next = (JsonObject)current.DeepClone();
        Metadata(next)["deletionTimestamp"] = Now();
        Metadata(next)["deletionGracePeriodSeconds"] = 0L;
        if (isNamespace)
        {
            next["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        Commit("MODIFIED", type, current, next);
        if (isNamespace)
        {
            var ns = Name(current);
            foreach (var contentType in catalog.Snapshot().Where(t => t.Namespaced))
            {
                foreach (var obj in Bucket(contentType).Values.Where(o => Namespace(o) == ns).ToList())
                {
                    DeleteLocked(contentType, obj, "Background");
                }
            }

            var latest = Bucket(type).GetValueOrDefault(KeyOf(type, null, ns));
            return latest is null ? (next, true) : (latest, false);
        }

        return (next, false);
    }

    /// <summary>
    /// Foreground deletion: the owner gets a deletionTimestamp and the foregroundDeletion finalizer, its dependents
    /// are deleted, and the owner goes once the last of them is gone (see <see cref="ReleaseForegroundOwners"/>).
    /// </summary>
    private (JsonObject Result, bool Removed) DeleteInForeground(ResourceType type, JsonObject current)
    {
        var next = (JsonObject)current.DeepClone();
        var metadata = Metadata(next);
        metadata["deletionTimestamp"] = Now();
        metadata["deletionGracePeriodSeconds"] = 0L;
        if (metadata["finalizers"] is not JsonArray finalizers)
        {
            finalizers = [];
            metadata["finalizers"] = finalizers;
        }

        finalizers.Add(ForegroundFinalizer);
        Commit("MODIFIED", type, current, next);
        var uid = Uid(current);
        foreach (var (dependentType, dependent) in Dependents(uid))
        {
            if (Bucket(dependentType).ContainsKey(KeyOf(dependentType, Namespace(dependent), Name(dependent))))
            {
                DeleteLocked(dependentType, dependent, "Foreground");
            }
        }

        ReleaseForegroundOwners([uid]);
        var latest = Bucket(type).GetValueOrDefault(KeyOf(type, Namespace(current), Name(current)));
        return latest is null ? (next, true) : (latest, false);
    }

    /// <summary>Drops the foregroundDeletion finalizer from these owners once no dependent of theirs is left.</summary>
    private void ReleaseForegroundOwners(IEnumerable<string?> ownerUids)
    {
        foreach (var uid in ownerUids.OfType<string>().Distinct().ToList())
        {
            foreach (var ownerType in catalog.Snapshot())
            {
                var owner = Bucket(ownerType).Values.FirstOrDefault(o => Uid(o) == uid);
                if (owner is null || !Finalizers(owner).Contains(ForegroundFinalizer) || Dependents(uid).Count > 0)
                {
                    continue;
                }

                var next = (JsonObject)owner.DeepClone();
                var finalizers = (JsonArray)next["metadata"]!["finalizers"]!;
                finalizers.Remove(finalizers.First(f => f?.GetValue<string>() == ForegroundFinalizer));
                UpdateLocked(ownerType, owner, next, WriteMode.Raw, WriteOptions.Default);
            }
        }
    }

    private List<(ResourceType Type, JsonObject Object)> Dependents(string? uid) =>
    [
        .. catalog.Snapshot().SelectMany(t => Bucket(t).Values.Where(o => OwnerUids(o).Contains(uid)).Select(o => (t, o))),
    ];

    private bool HasContents(string ns) =>
        _objects.Values.Any(bucket => bucket.Values.Any(o => Namespace(o) == ns));

    /// <summary>Removes an object, then does what the garbage collector and namespace controller would.</summary>
    private JsonObject Remove(ResourceType type, JsonObject current, string propagation)
    {
        var gone = (JsonObject)current.DeepClone();
        Bucket(type).Remove(KeyOf(type, Namespace(current), Name(current)));
        Commit("DELETED", type, current, gone, store: false);
        var uid = Uid(current);

        if (type == BuiltInResources.CustomResourceDefinitions && catalog.FromCustomResourceDefinition(current) is var custom
            && catalog.Find(custom.Group, custom.PreferredVersion, custom.Plural) is { } served)
        {
            foreach (var obj in Bucket(served).Values.ToList())
            {
                Bucket(served).Remove(KeyOf(served, Namespace(obj), Name(obj)));
                Commit("DELETED", served, obj, (JsonObject)obj.DeepClone(), store: false);
            }

            catalog.Unregister(served);
        }

        foreach (var dependentType in catalog.Snapshot())
        {
            foreach (var dependent in Bucket(dependentType).Values.Where(o => OwnerUids(o).Contains(uid)).ToList())
            {
                var stillOwned = OwnerUids(dependent).Where(u => u != uid).Any(OwnerExists);
                if (propagation == "Orphan" || stillOwned)
                {
                    var next = (JsonObject)dependent.DeepClone();
                    var references = (JsonArray)next["metadata"]!["ownerReferences"]!;
                    foreach (var reference in references.Where(r => r?["uid"]?.GetValue<string>() == uid).ToList())
                    {
                        references.Remove(reference);
                    }

                    UpdateLocked(dependentType, dependent, next, WriteMode.Raw, WriteOptions.Default);
                }
                else if (Bucket(dependentType).ContainsKey(KeyOf(dependentType, Namespace(dependent), Name(dependent))))
                {
                    DeleteLocked(dependentType, dependent, "Background");
                }
            }
        }

        ReleaseForegroundOwners(OwnerUids(current));

        // The namespace controller removes a terminating namespace once it is empty.
        if (type.Namespaced && Namespace(current) is { } ns
            && Bucket(BuiltInResources.Namespaces).GetValueOrDefault(KeyOf(BuiltInResources.Namespaces, null, ns)) is { } owner
            && owner["metadata"]?["deletionTimestamp"] is not null && Finalizers(owner).Count == 0 && !HasContents(ns))
        {
            Remove(BuiltInResources.Namespaces, owner, "Background");
        }

        return gone;
    }

    private bool OwnerExists(string? uid) =>
        uid is not null && _objects.Values.Any(bucket => bucket.Values.Any(o => Uid(o) == uid));

    private static List<string?> OwnerUids(JsonObject obj) =>
        [.. (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Select(r => r?["uid"]?.GetValue<string>())];

    private void Commit(string kind, ResourceType type, JsonObject? previous, JsonObject next, bool store = true)
    {
        _revision++;
        Metadata(next)["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture);
        Materialize(next);
        if (store)
        {
            Bucket(type)[KeyOf(type, Namespace(next), Name(next))] = next;
        }

        var change = new StoredEvent(kind, _revision, type, previous, next);
        _history.AddLast(change);
        while (_history.Count > historyLimit)
        {
            _compactedRevision = _history.First!.Value.Revision;
            _history.RemoveFirst();
        }

        foreach (var watch in _watches)
        {
            watch.Offer(change);
        }
    }

    /// <summary>Forces lazily parsed JSON nodes into memory so concurrent readers never race on it.</summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }

    /// <summary>apiVersion, kind, metadata first (as kubectl -o yaml readers expect to see them), then the rest.</summary>
    private static JsonObject InConventionalOrder(JsonObject obj)
    {
        var ordered = new JsonObject();
        foreach (var key in new[] { "apiVersion", "kind", "metadata" }.Concat(obj.Select(kv => kv.Key)).Distinct().ToList())
        {
            if (obj.ContainsKey(key))
            {
                var value = obj[key];
                obj.Remove(key);
                ordered[key] = value;
            }
        }

        return ordered;
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        return copy;
    }

    private static JsonObject EstablishedStatus(JsonObject crd)
    {
        var now = Now();
        var storage = (crd["spec"]?["versions"] as JsonArray ?? [])
            .FirstOrDefault(v => v?["storage"]?.GetValue<bool>() == true)?["name"]?.GetValue<string>();
        return new JsonObject
        {
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };
}
