using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Tools;
using QuantServe.Server;

namespace QuantServe.Server.Tests.Support;

/// <summary>A real Kestrel server on 127.0.0.1 (a free port) serving a small random model, and a client for it.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly LlamaModel _model;
    private readonly WebApplication _app;

    private RunningServer(string directory, LlamaModel model, ServingModel serving, WebApplication app, Uri baseAddress)
    {
        _directory = directory;
        _model = model;
        Serving = serving;
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public ServingModel Serving { get; }
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    public static async Task<RunningServer> StartAsync(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "quantserve-server-" + Guid.NewGuid().ToString("N"));
        ModelMaker.Write(directory, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Seed = 5, MaxPositionEmbeddings = 512 });
        var model = LlamaModel.Load(directory);
        var options = new ServerOptions { ModelId = "quantserve/test-model", MaxTotalTokens = 256, MaxBatchTotalTokens = 2048 };
        var serving = new ServingModel(model, Tokenizer.Load(directory), configure?.Invoke(options) ?? options);
        var app = InferenceServer.Build(serving, "http://127.0.0.1:0", logging: _ => { });
        await app.StartAsync();
        return new RunningServer(directory, model, serving, app, InferenceServer.ListeningAddress(app));
    }

    public Task<HttpResponseMessage> PostAsync(string path, string json) =>
        Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode json) => PostAsync(path, json.ToJsonString());

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    /// <summary>The `data:` payloads of a server-sent events response, in order.</summary>
    public static async Task<List<string>> EventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data:", StringComparison.Ordinal))
            .Select(e => e["data:".Length..].Trim())
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Serving.Dispose();
        _model.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
