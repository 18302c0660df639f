using Microsoft.Extensions.Logging;

namespace QuantServe.Operator.Runtime;

/// <summary>The shared cache: one informer per resource and label selector, whichever controllers use it.</summary>
public sealed class InformerFactory(KubeApi api, string? ns, int watchTimeoutSeconds, OperatorMetrics metrics, ILoggerFactory loggers)
{
    private readonly Dictionary<(KubeResource, string?), Informer> informers = new();
    private readonly Lock gate = new();

    public KubeApi Api { get; } = api;

    public Informer For(KubeResource resource, string? labelSelector = null)
    {
        lock (gate)
        {
            if (!informers.TryGetValue((resource, labelSelector), out var informer))
            {
                informer = new Informer(Api, resource, ns, labelSelector, watchTimeoutSeconds, metrics, loggers.CreateLogger("informer." + resource));
                informers[(resource, labelSelector)] = informer;
                metrics.RegisterGauge("quantserve_operator_cache_objects", $"resource=\"{resource}\"", () => informer.Cache.Count);
            }
            return informer;
        }
    }

    public IReadOnlyList<Informer> All
    {
        get { lock (gate) return informers.Values.ToList(); }
    }

    public bool HasSynced => All.All(i => i.HasSynced);

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(All.Select(i => i.RunAsync(ct)));

    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(All.Select(i => i.WaitForSyncAsync(ct)));
}
