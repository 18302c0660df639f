using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;

namespace QuantServe.Operator.Runtime;

/// <summary>The informer's view of one resource: namespace/name to the last object seen. Readers get
/// deep copies, so a reconcile can edit what it read without corrupting the cache.</summary>
public sealed class ObjectCache
{
    private readonly ConcurrentDictionary<string, JsonObject> objects = new(StringComparer.Ordinal);

    public static string KeyOf(JsonObject obj) => KubeApi.Namespace(obj) + "/" + KubeApi.Name(obj);
    public static string KeyOf(string ns, string name) => ns + "/" + name;

    public int Count => objects.Count;

    public JsonObject? Get(string key) => objects.TryGetValue(key, out var obj) ? (JsonObject)obj.DeepClone() : null;

    public JsonObject? Get(string ns, string name) => Get(KeyOf(ns, name));

    /// <summary>The cached object as a typed model (KubernetesClient's JSON settings).</summary>
    public T? Get<T>(string ns, string name) where T : class =>
        objects.TryGetValue(KeyOf(ns, name), out var obj) ? KubernetesJson.Deserialize<T>(obj.ToJsonString()) : null;

    public IReadOnlyList<JsonObject> List() => objects.Values.Select(o => (JsonObject)o.DeepClone()).ToList();

    public IReadOnlyList<string> Keys() => objects.Keys.ToList();

    internal void Set(JsonObject obj) => objects[KeyOf(obj)] = obj;

    internal bool Remove(string key, out JsonObject? removed)
    {
        var found = objects.TryRemove(key, out var value);
        removed = value;
        return found;
    }

    /// <summary>Replaces the whole content after a (re)list; returns the objects that disappeared, so
    /// deletions missed while disconnected are still seen.</summary>
    internal List<JsonObject> Replace(IEnumerable<JsonObject> items)
    {
        var fresh = items.ToDictionary(KeyOf, StringComparer.Ordinal);
        var gone = new List<JsonObject>();
        foreach (var key in objects.Keys)
            if (!fresh.ContainsKey(key) && objects.TryRemove(key, out var old)) gone.Add(old);
        foreach (var (key, value) in fresh) objects[key] = value;
        return gone;
    }
}
