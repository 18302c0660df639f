using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace QuantServe.Server.Http;

/// <summary>Writes a text/event-stream response one `data:` event at a time, flushed as it goes.</summary>
public sealed class ServerSentEvents(HttpResponse response)
{
    private bool _started;

    public async Task SendAsync(JsonNode data, CancellationToken cancellation) => await SendRawAsync(JsonWire.Serialize(data), cancellation).ConfigureAwait(false);

    public async Task SendRawAsync(string data, CancellationToken cancellation)
    {
        if (!_started)
        {
            response.StatusCode = 200;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            _started = true;
        }
        await response.WriteAsync("data:" + data + "\n\n", cancellation).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellation).ConfigureAwait(false);
    }

    public bool Started => _started;
}
