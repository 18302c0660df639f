using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>Plain HttpClient calls against a started emulator, the way a client library makes them.</summary>
internal sealed class KubeHttp : IAsyncDisposable
{
    private KubeHttp(KubeApiEmulator emulator)
    {
        Emulator = emulator;
        Client = new HttpClient { BaseAddress = emulator.BaseUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public KubeApiEmulator Emulator { get; }

    public HttpClient Client { get; }

    public static async Task<KubeHttp> StartAsync(KubeApiEmulatorOptions? options = null) =>
        new(await KubeApiEmulator.StartAsync(options));

    public async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(
        HttpMethod method, string path, object? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            var text = body is JsonNode node ? node.ToJsonString() : (string)body;
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Client.SendAsync(request);
        var payload = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(payload) as JsonObject ?? throw new InvalidOperationException($"not a JSON object: {payload}"));
    }

    public Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);

    public Task<(HttpStatusCode Status, JsonObject Body)> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);

    public Task<(HttpStatusCode Status, JsonObject Body)> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body);

    public Task<(HttpStatusCode Status, JsonObject Body)> PatchAsync(string path, string body, string contentType) =>
        SendAsync(HttpMethod.Patch, path, body, contentType);

    /// <summary>Creates an object and asserts it was created.</summary>
    public async Task<JsonObject> CreateAsync(string collectionPath, string json)
    {
        var (status, body) = await PostAsync(collectionPath, JsonNode.Parse(json)!);
        if (status != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"create at {collectionPath} answered {(int)status}: {body.ToJsonString()}");
        }

        return body;
    }

    /// <summary>Opens a watch stream; events are read line by line.</summary>
    public async Task<WatchReader> WatchAsync(string pathAndQuery)
    {
        var response = await Client.GetAsync(pathAndQuery.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new WatchReader(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Emulator.DisposeAsync();
    }

    public static JsonObject Configmap(string name, string? ns = "default", string labels = "{}") =>
        (JsonObject)JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","namespace":"NS","labels":LABELS},"data":{"k":"v"}}"""
            .Replace("NAME", name, StringComparison.Ordinal).Replace("NS", ns, StringComparison.Ordinal).Replace("LABELS", labels, StringComparison.Ordinal))!;
}
