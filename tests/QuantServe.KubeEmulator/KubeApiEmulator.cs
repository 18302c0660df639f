using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QuantServe.KubeEmulator.Http;
using QuantServe.KubeEmulator.Resources;
using QuantServe.KubeEmulator.Storage;

namespace QuantServe.KubeEmulator;

/// <summary>
/// An in-process Kubernetes API server for integration tests: plain HTTP on 127.0.0.1 (a free port),
/// enough of kube-apiserver's behaviour for a controller (CRUD with resourceVersion conflicts, finalizers,
/// garbage collection, patches, server-side apply, list/watch with history, bookmarks and 410s, CRDs)
/// and for kubectl (discovery, server-side printing).
/// </summary>
public sealed class KubeApiEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ObjectStore _store;
    private readonly CancellationTokenSource _stopping;
    private readonly Lock _requestsGate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly KubeApiEmulatorOptions _options;

    private KubeApiEmulator(WebApplication app, ObjectStore store, FaultInjector faults, CancellationTokenSource stopping, KubeApiEmulatorOptions options)
    {
        _app = app;
        _store = store;
        Faults = faults;
        _stopping = stopping;
        _options = options;
    }

    /// <summary>The server's address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseUri { get; private set; } = null!;

    public FaultInjector Faults { get; }

    /// <summary>A snapshot of every request answered so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requestsGate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<KubeApiEmulator> StartAsync(KubeApiEmulatorOptions? options = null)
    {
        options ??= new KubeApiEmulatorOptions();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        var app = builder.Build();

        var store = new ObjectStore(new ResourceCatalog(), options.HistoryLimit);
        var stopping = new CancellationTokenSource();
        var faults = new FaultInjector(store.DropWatches);
        var emulator = new KubeApiEmulator(app, store, faults, stopping, options);
        var handler = new ApiRequestHandler(store, faults, options, () => emulator.BaseUri.Authority, emulator.Record, stopping.Token);
        app.Run(handler.HandleAsync);

        foreach (var ns in options.Namespaces)
        {
            store.Create(BuiltInResources.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, WriteMode.Main);
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        emulator.BaseUri = new Uri(address.EndsWith('/') ? address : address + "/");
        return emulator;
    }

    /// <summary>
    /// Writes a kubeconfig whose current context points at this emulator (server = BaseUri, insecure, a bearer token,
    /// namespace "default"); kubectl (--kubeconfig) and KubernetesClient (BuildConfigFromConfigFile) both read it.
    /// </summary>
    public string WriteKubeconfig(string path)
    {
        var server = BaseUri.GetLeftPart(UriPartial.Authority);
        var yaml = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: kube-emulator
              cluster:
                server: {server}
                insecure-skip-tls-verify: true
            users:
            - name: kube-emulator
              user:
                token: {_options.Token}
            contexts:
            - name: kube-emulator
              context:
                cluster: kube-emulator
                user: kube-emulator
                namespace: default
            current-context: kube-emulator

            """;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>A copy of the stored object, or null. <paramref name="apiVersion"/> is "v1", "apps/v1", "group/version".</summary>
    public JsonObject? GetObject(string apiVersion, string plural, string? ns, string name)
    {
        var type = Resolve(apiVersion, plural);
        return _store.Get(type, ns, name)?.DeepClone() is JsonObject copy ? WithApiVersion(copy, apiVersion) : null;
    }

    /// <summary>
    /// Creates or replaces an object as a controller or kubelet would, status included and without a
    /// resourceVersion check; bumps the resourceVersion and emits the watch event. Returns the stored copy.
    /// </summary>
    public JsonObject PutObject(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? throw new ArgumentException("the object has no apiVersion", nameof(obj));
        var kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("the object has no kind", nameof(obj));
        var type = _store.Catalog.FindByKind(apiVersion, kind)
            ?? throw new ArgumentException($"the emulator serves no kind {kind} in {apiVersion}", nameof(obj));
        var name = obj["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException("the object has no metadata.name", nameof(obj));
        var ns = type.Namespaced
            ? obj["metadata"]?["namespace"]?.GetValue<string>() ?? throw new ArgumentException($"{kind} {name} is namespaced but has no metadata.namespace", nameof(obj))
            : null;
        var body = (JsonObject)obj.DeepClone();
        ObjectStore.Metadata(body).Remove("resourceVersion");
        var (result, _) = Invoke(() => _store.Write(type, ns, name, _ => body, WriteMode.Raw, allowCreate: true));
        return WithApiVersion((JsonObject)result.DeepClone(), apiVersion);
    }

    /// <summary>Changes an object's status in place (the object must exist); returns the stored copy.</summary>
    public JsonObject UpdateStatus(string apiVersion, string plural, string? ns, string name, Action<JsonObject> mutateStatus)
    {
        ArgumentNullException.ThrowIfNull(mutateStatus);
        var type = Resolve(apiVersion, plural);
        var (result, _) = Invoke(() => _store.Write(
            type, ns, name,
            current =>
            {
                var desired = current!;
                if (desired["status"] is not JsonObject status)
                {
                    status = [];
                    desired["status"] = status;
                }

                mutateStatus(status);
                ObjectStore.Metadata(desired).Remove("resourceVersion");
                return desired;
            },
            WriteMode.Raw,
            allowCreate: false));
        return WithApiVersion((JsonObject)result.DeepClone(), apiVersion);
    }

    /// <summary>Forgets the watch history: a watch from any older resourceVersion now gets 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _store.DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private void Record(RecordedRequest request)
    {
        lock (_requestsGate)
        {
            _requests.Add(request);
        }
    }

    private ResourceType Resolve(string apiVersion, string plural)
    {
        var (group, version) = ResourceCatalog.SplitApiVersion(apiVersion);
        return _store.Catalog.Find(group, version, plural)
            ?? throw new ArgumentException($"the emulator serves no resource {plural} in {apiVersion}", nameof(plural));
    }

    private static JsonObject WithApiVersion(JsonObject obj, string apiVersion)
    {
        obj["apiVersion"] = apiVersion;
        return obj;
    }

    /// <summary>Turns the store's API errors into exceptions a test reads plainly.</summary>
    private static T Invoke<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ApiException ex)
        {
            throw new InvalidOperationException($"{ex.Code} {ex.Reason}: {ex.Message}", ex);
        }
    }
}
