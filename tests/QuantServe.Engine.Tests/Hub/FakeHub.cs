using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace QuantServe.Engine.Tests.Hub;

/// <summary>
/// A Kestrel server on 127.0.0.1 that answers the hub's routes the way huggingface.co does: the model-info API,
/// <c>/resolve/</c> (200 with ETag for git files; 302 to a CDN with X-Linked-Etag/X-Linked-Size for LFS files),
/// X-Repo-Commit, X-Error-Code on errors. The "CDN" listens on a second port, a different origin, and serves
/// blobs by sha256 with Range support. Faults on demand: a connection cut mid-file, a Range the server ignores.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeHubRepo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _cutsLeft = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _stallsLeft = new(StringComparer.Ordinal);
    private int _cdnPort;

    private FakeHub(WebApplication app)
    {
        _app = app;
    }

    public Uri Endpoint { get; private set; } = null!;
    public ConcurrentQueue<FakeHubRequest> Requests { get; } = new();

    /// <summary>When true, the CDN answers a Range request with the whole file (200), as some proxies do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>Cuts the connection once after sending <paramref name="bytes"/> bytes of the blob with this sha256.</summary>
    public void CutOnce(string sha256, int bytes) => _cutsLeft[sha256] = bytes;

    /// <summary>Once, sends <paramref name="bytes"/> bytes of the blob with this sha256 and then nothing until the client gives up.</summary>
    public void StallOnce(string sha256, int bytes) => _stallsLeft[sha256] = bytes;

    public FakeHubRepo AddRepo(string id) => _repos.GetOrAdd(id, name => new FakeHubRepo(name));

    public IEnumerable<FakeHubRequest> FileRequests => Requests.Where(r => !r.Path.StartsWith("/api/", StringComparison.Ordinal));

    public static async Task<FakeHub> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        WebApplication app = builder.Build();
        var hub = new FakeHub(app);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address).Port).ToArray();
        hub.Endpoint = new Uri($"http://127.0.0.1:{ports[0]}");
        hub._cdnPort = ports[1];
        return hub;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        string target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        string path = target.Split('?')[0];
        bool toCdn = context.Connection.LocalPort == _cdnPort;
        Requests.Enqueue(new FakeHubRequest(context.Request.Method, toCdn, path, context.Request.Headers.Authorization.FirstOrDefault(), context.Request.Headers.Range.FirstOrDefault()));

        if (toCdn)
            await ServeCdnAsync(context, path);
        else if (path.StartsWith("/api/models/", StringComparison.Ordinal))
            await ServeModelInfoAsync(context, path["/api/models/".Length..]);
        else if (path.Contains("/resolve/", StringComparison.Ordinal))
            await ServeResolveAsync(context, path);
        else
            await ErrorAsync(context, 404, null, "no such route");
    }

    private async Task ServeModelInfoAsync(HttpContext context, string rest)
    {
        int at = rest.IndexOf("/revision/", StringComparison.Ordinal);
        string repoId = at < 0 ? rest : rest[..at];
        string revision = at < 0 ? "main" : Uri.UnescapeDataString(rest[(at + "/revision/".Length)..]);
        if (!_repos.TryGetValue(repoId, out FakeHubRepo? repo))
        {
            await RepoNotFoundAsync(context);
            return;
        }

        Dictionary<string, FakeHubFile>? files = repo.Resolve(revision, out string? sha);
        if (files is null)
        {
            await ErrorAsync(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            id = repoId,
            sha,
            gated = repo.GatedToken is null ? (object)false : "manual",
            siblings = files.Keys.Order(StringComparer.Ordinal).Select(name => new { rfilename = name }),
        }));
    }

    private async Task ServeResolveAsync(HttpContext context, string path)
    {
        int at = path.IndexOf("/resolve/", StringComparison.Ordinal);
        string repoId = path[1..at];
        string[] rest = path[(at + "/resolve/".Length)..].Split('/');
        string revision = Uri.UnescapeDataString(rest[0]);
        string fileName = string.Join('/', rest.Skip(1).Select(Uri.UnescapeDataString));
        if (!_repos.TryGetValue(repoId, out FakeHubRepo? repo))
        {
            await RepoNotFoundAsync(context);
            return;
        }

        if (repo.GatedToken is { } token)
        {
            string? authorization = context.Request.Headers.Authorization.FirstOrDefault();
            if (authorization is null)
            {
                await ErrorAsync(context, 401, "GatedRepo", $"Access to model {repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.");
                return;
            }

            if (authorization != "Bearer " + token)
            {
                await ErrorAsync(context, 403, "GatedRepo", $"Access to model {repoId} is restricted and you are not in the authorized list.");
                return;
            }
        }

        Dictionary<string, FakeHubFile>? files = repo.Resolve(revision, out string? sha);
        if (files is null)
        {
            await ErrorAsync(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            return;
        }

        if (!files.TryGetValue(fileName, out FakeHubFile? file))
        {
            await ErrorAsync(context, 404, "EntryNotFound", $"{fileName} does not exist on \"{revision}\"");
            return;
        }

        context.Response.Headers["X-Repo-Commit"] = sha;
        if (file.Lfs)
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.ETag = $"\"{file.GitSha1}\""; // the LFS pointer's id; clients must prefer X-Linked-Etag
            context.Response.Headers["X-Linked-Etag"] = $"\"{file.Etag}\"";
            context.Response.Headers["X-Linked-Size"] = file.Content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.Location = $"http://127.0.0.1:{_cdnPort}/cdn/{file.Etag}?X-Amz-Signature=fake";
            return;
        }

        context.Response.Headers.ETag = $"\"{file.GitSha1}\"";
        context.Response.ContentLength = file.Content.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.Body.WriteAsync(file.Content);
    }

    private async Task ServeCdnAsync(HttpContext context, string path)
    {
        string etag = path.StartsWith("/cdn/", StringComparison.Ordinal) ? path["/cdn/".Length..] : "";
        FakeHubFile? file = _repos.Values.SelectMany(repo => repo.Commits.Values).SelectMany(files => files.Values)
            .FirstOrDefault(candidate => candidate.Lfs && candidate.Etag == etag);
        if (file is null)
        {
            context.Response.StatusCode = 404;
            return;
        }

        long from = 0;
        string? range = context.Request.Headers.Range.FirstOrDefault();
        if (range is not null && !IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            from = long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        if (from >= file.Content.Length)
        {
            context.Response.StatusCode = 416;
            return;
        }

        context.Response.Headers.AcceptRanges = "bytes";
        if (from > 0)
        {
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {from}-{file.Content.Length - 1}/{file.Content.Length}";
        }

        context.Response.ContentLength = file.Content.Length - from;
        if (HttpMethods.IsHead(context.Request.Method))
            return;

        if (_cutsLeft.TryRemove(file.Sha256, out int cutAfter))
        {
            await context.Response.Body.WriteAsync(file.Content.AsMemory((int)from, cutAfter));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }

        if (_stallsLeft.TryRemove(file.Sha256, out int stallAfter))
        {
            await context.Response.Body.WriteAsync(file.Content.AsMemory((int)from, stallAfter));
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        await context.Response.Body.WriteAsync(file.Content.AsMemory((int)from));
    }

    // like huggingface.co: anonymous requests get 401 for a missing repo, so that private repos cannot be probed
    private static Task RepoNotFoundAsync(HttpContext context) =>
        ErrorAsync(context, context.Request.Headers.Authorization.Count == 0 ? 401 : 404, "RepoNotFound", "Repository not found");

    private static async Task ErrorAsync(HttpContext context, int status, string? code, string message)
    {
        context.Response.StatusCode = status;
        if (code is not null)
            context.Response.Headers["X-Error-Code"] = code;
        context.Response.Headers["X-Error-Message"] = message;
        context.Response.ContentType = "application/json";
        if (!HttpMethods.IsHead(context.Request.Method))
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }
}
