using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace QuantServe.Operator.Runtime;

/// <summary>The REST calls the runtime makes, over the KubernetesClient connection (its HttpClient,
/// TLS and credentials from kubeconfig or the in-cluster service account). Objects travel as JSON
/// nodes so one code path serves built-in kinds and our CRDs alike.</summary>
public sealed class KubeApi(Kubernetes client, OperatorMetrics? metrics = null)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public Kubernetes Client { get; } = client;

    public async Task<JsonObject?> GetAsync(KubeResource resource, string ns, string name, CancellationToken ct)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, resource.ObjectPath(ns, name), null, ct);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Lists a collection; returns the items and the list's resourceVersion (where a watch starts).</summary>
    public async Task<(List<JsonObject> Items, string ResourceVersion)> ListAsync(KubeResource resource, string? ns, string? labelSelector, CancellationToken ct)
    {
        var path = resource.CollectionPath(ns) + Query(("labelSelector", labelSelector));
        var list = await SendAsync(HttpMethod.Get, path, null, ct);
        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        foreach (var item in items)
        {
            // List items omit apiVersion and kind; the cache wants whole objects.
            item["apiVersion"] ??= resource.ApiVersion;
            item["kind"] ??= resource.Kind;
        }
        return (items, list["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "");
    }

    /// <summary>Streams watch events from <paramref name="resourceVersion"/> with bookmarks until the server
    /// ends the stream (timeoutSeconds) or the token fires. Throws <see cref="KubeApiException"/> with
    /// <see cref="KubeApiException.IsGone"/> when the version has been compacted away (410).</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(KubeResource resource, string? ns, string? labelSelector,
        string resourceVersion, int timeoutSeconds, [EnumeratorCancellation] CancellationToken ct)
    {
        var path = resource.CollectionPath(ns) + Query(
            ("watch", "true"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion),
            ("timeoutSeconds", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("labelSelector", labelSelector));
        // The server closes the stream after timeoutSeconds; a dead connection must not hang us forever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds + 30));
        using var request = await NewRequestAsync(HttpMethod.Get, path, null, deadline.Token);
        using var response = await Client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        metrics?.CountRequest("WATCH", resource.ToString(), (int)response.StatusCode);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, "GET", path, deadline.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8, false);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                yield break; // our own deadline: reconnect
            }
            catch (IOException)
            {
                yield break; // the server dropped the connection: reconnect
            }
            catch (HttpRequestException)
            {
                yield break;
            }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var node = JsonNode.Parse(line) as JsonObject
                ?? throw new InvalidDataException($"watch {path}: a line is not a JSON object");
            var type = node["type"]?.GetValue<string>() ?? "";
            var obj = node["object"] as JsonObject ?? new JsonObject();
            if (type == "ERROR")
            {
                var code = obj["code"]?.GetValue<int>() ?? 500;
                throw new KubeApiException((HttpStatusCode)code, obj["reason"]?.GetValue<string>(),
                    obj["message"]?.GetValue<string>() ?? "watch error", "WATCH", path);
            }
            if (type != "BOOKMARK")
            {
                obj["apiVersion"] ??= resource.ApiVersion;
                obj["kind"] ??= resource.Kind;
            }
            yield return new WatchEvent(type, obj);
        }
    }

    public Task<JsonObject> CreateAsync(KubeResource resource, string ns, JsonObject obj, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, resource.CollectionPath(ns), obj, ct);

    /// <summary>PUT with the object's resourceVersion: a stale version answers 409 (IsConflict).</summary>
    public Task<JsonObject> ReplaceAsync(KubeResource resource, JsonObject obj, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, resource.ObjectPath(Namespace(obj), Name(obj)), obj, ct);

    public Task<JsonObject> ReplaceStatusAsync(KubeResource resource, JsonObject obj, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, resource.ObjectPath(Namespace(obj), Name(obj), "status"), obj, ct);

    public async Task DeleteAsync(KubeResource resource, string ns, string name, CancellationToken ct)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, resource.ObjectPath(ns, name), null, ct);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
        }
    }

    /// <summary>The last lines of a pod's log, or null when the server cannot give them.</summary>
    public async Task<string?> TailLogAsync(string ns, string pod, int lines, CancellationToken ct)
    {
        var path = KubeResource.Pods.ObjectPath(ns, pod, "log") + Query(("tailLines", lines.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var request = await NewRequestAsync(HttpMethod.Get, path, null, ct);
        using var response = await Client.HttpClient.SendAsync(request, ct);
        metrics?.CountRequest("GET", "pods/log", (int)response.StatusCode);
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
    }

    public static string Name(JsonObject obj) => obj["metadata"]?["name"]?.GetValue<string>() ?? "";
    public static string Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>() ?? "default";

    /// <summary>Each plain request gets this long (the HttpClient itself has no timeout, for watches).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(RequestTimeout);
        var ct = timeout.Token;
        using var request = await NewRequestAsync(method, path, body, ct);
        using var response = await Client.HttpClient.SendAsync(request, ct);
        metrics?.CountRequest(method.Method, ResourceOf(path), (int)response.StatusCode);
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, method.Method, path, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) as JsonObject ?? new JsonObject();
    }

    private async Task<HttpRequestMessage> NewRequestAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        var baseUri = Client.BaseUri.AbsoluteUri.EndsWith('/') ? Client.BaseUri : new Uri(Client.BaseUri.AbsoluteUri + "/");
        var request = new HttpRequestMessage(method, new Uri(baseUri, path.TrimStart('/')));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = Json;
        }
        if (Client.Credentials is { } credentials)
            await credentials.ProcessHttpRequestAsync(request, ct);
        return request;
    }

    private static async Task<KubeApiException> ErrorAsync(HttpResponseMessage response, string method, string path, CancellationToken ct)
    {
        string? reason = null;
        var message = response.ReasonPhrase ?? "";
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (text.Length > 0 && JsonNode.Parse(text) is JsonObject status)
            {
                reason = status["reason"]?.GetValue<string>();
                message = status["message"]?.GetValue<string>() ?? message;
            }
        }
        catch (JsonException)
        {
        }
        return new KubeApiException(response.StatusCode, reason, message, method, path);
    }

    private static string ResourceOf(string path)
    {
        var parts = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        // /api/v1/[namespaces/ns/]plural/... or /apis/group/version/[namespaces/ns/]plural/...
        var index = parts.Length > 0 && parts[0] == "api" ? 2 : 3;
        if (parts.Length > index + 2 && parts[index] == "namespaces") index += 2;
        return parts.Length > index ? parts[index] : parts.LastOrDefault() ?? "";
    }

    private static string Query(params (string Key, string? Value)[] pairs)
    {
        var present = pairs.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return present.Count == 0 ? "" : "?" + string.Join("&", present);
    }
}
