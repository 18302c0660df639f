using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>Reads newline-delimited watch events; a hang guard turns a missing event into a failure, not a stuck test.</summary>
internal sealed class WatchReader(HttpResponseMessage response, StreamReader reader) : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(15);

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<JsonObject?> NextAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        var line = await reader.ReadLineAsync(guard.Token);
        return line is null ? null : (JsonObject)JsonNode.Parse(line)!;
    }

    /// <summary>The next event that is not a BOOKMARK.</summary>
    public async Task<JsonObject?> NextChangeAsync()
    {
        while (true)
        {
            var next = await NextAsync();
            if (next is null || next["type"]!.GetValue<string>() != "BOOKMARK")
            {
                return next;
            }
        }
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }
}
