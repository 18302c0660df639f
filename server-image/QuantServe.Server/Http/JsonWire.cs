using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using QuantServe.Server.Api;

namespace QuantServe.Server.Http;

/// <summary>JSON as TGI speaks it: snake_case, raw UTF-8, and request bodies whose every defect is a 422.</summary>
public static class JsonWire
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = 64,
    };

    /// <summary>Reads the body as <typeparamref name="T"/>; bad JSON and wrong types become 422, as axum's Json rejection does.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellation) where T : class
    {
        var body = await ReadUtf8Async(request, cancellation).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options)
                ?? throw ApiError.Validation("Failed to deserialize the JSON body into the target type: the body is null");
        }
        catch (JsonException e)
        {
            throw ApiError.Validation($"Failed to deserialize the JSON body into the target type: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            throw ApiError.Validation($"Failed to deserialize the JSON body into the target type: {e.Message}");
        }
    }

    public static async Task<JsonNode> ReadNodeAsync(HttpRequest request, CancellationToken cancellation)
    {
        var body = await ReadUtf8Async(request, cancellation).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = 64 })
                ?? throw ApiError.Validation("Failed to deserialize the JSON body: the body is null");
        }
        catch (JsonException e)
        {
            throw ApiError.Validation($"Failed to parse the request body as JSON: {e.Message}");
        }
    }

    // The whole body (Kestrel caps it at --payload-limit), which must be valid UTF-8: System.Text.Json
    // only finds bad bytes inside strings when they are read, far from the request's edge.
    private static async Task<byte[]> ReadUtf8Async(HttpRequest request, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellation).ConfigureAwait(false);
        var bytes = buffer.ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw ApiError.Validation("Failed to parse the request body as JSON: it is not valid UTF-8");
        return bytes;
    }

    public static string Serialize(JsonNode node) => node.ToJsonString(Options);

    /// <summary>A float for the wire: NaN and infinities (no JSON form) become null, as serde_json writes them.</summary>
    public static JsonNode? Number(float? value) => value is float v && float.IsFinite(v) ? JsonValue.Create(v) : null;

    public static async Task WriteAsync(HttpResponse response, int status, JsonNode body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await response.WriteAsync(Serialize(body)).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpResponse response, ApiError error) =>
        WriteAsync(response, error.StatusCode, new JsonObject { ["error"] = error.Message, ["error_type"] = error.ErrorType });
}
