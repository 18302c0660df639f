using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace QuantServe.Operator.Runtime;

/// <summary>Runs one reconciler: the primary informer and the child informers feed keys into a work queue;
/// workers take keys (never the same key twice at once), reconcile, and requeue on error with backoff
/// or after RequeueAfter. A periodic resync requeues every cached object.</summary>
public sealed class Controller
{
    private readonly IReconciler reconciler;
    private readonly OperatorMetrics metrics;
    private readonly ILogger logger;
    private readonly int workers;
    private readonly TimeSpan resync;

    public Controller(string name, Informer primary, IReconciler reconciler, int workers, TimeSpan resync, OperatorMetrics metrics, ILogger logger)
    {
        Name = name;
        Primary = primary;
        this.reconciler = reconciler;
        this.workers = workers;
        this.resync = resync;
        this.metrics = metrics;
        this.logger = logger;
        Queue = new WorkQueue();
        primary.Changed += obj => Queue.Add(ObjectCache.KeyOf(obj));
        metrics.RegisterGauge("quantserve_operator_queue_depth", $"controller=\"{name}\"", () => Queue.Depth);
        metrics.RegisterGauge("quantserve_operator_queue_delayed", $"controller=\"{name}\"", () => Queue.DelayedCount);
    }

    public string Name { get; }
    public Informer Primary { get; }
    public WorkQueue Queue { get; }

    /// <summary>Requeues the owners a changed child maps to.</summary>
    public void Watch(Informer child, Func<JsonObject, IEnumerable<string>> ownerKeys) =>
        child.Changed += obj =>
        {
            foreach (var key in ownerKeys(obj)) Queue.Add(key);
        };

    /// <summary>Maps a child to its controller owner of <paramref name="kind"/> (ownerReferences, controller=true).</summary>
    public static Func<JsonObject, IEnumerable<string>> ByControllerOwner(string kind) => obj =>
    {
        var ns = KubeApi.Namespace(obj);
        return (obj["metadata"]?["ownerReferences"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Where(r => r["kind"]?.GetValue<string>() == kind && r["controller"]?.GetValue<bool>() == true)
            .Select(r => ObjectCache.KeyOf(ns, r["name"]!.GetValue<string>()))
            .ToList();
    };

    /// <summary>Maps a child to an owner named by one of its labels (pods, claims kept without ownerReference).</summary>
    public static Func<JsonObject, IEnumerable<string>> ByLabel(string label) => obj =>
        obj["metadata"]?["labels"]?[label]?.GetValue<string>() is { } owner
            ? [ObjectCache.KeyOf(KubeApi.Namespace(obj), owner)]
            : [];

    public async Task RunAsync(CancellationToken ct)
    {
        using var resyncTimer = new PeriodicTimer(resync);
        var resyncLoop = Task.Run(async () =>
        {
            try
            {
                while (await resyncTimer.WaitForNextTickAsync(ct))
                    foreach (var key in Primary.Cache.Keys()) Queue.Add(key);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);
        var loops = Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(ct), CancellationToken.None)).ToList();
        await Task.WhenAll(loops);
        await resyncLoop;
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await Queue.TakeAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var (ns, name) = (key[..slash], key[(slash + 1)..]);
            var clock = Stopwatch.StartNew();
            try
            {
                var result = await reconciler.ReconcileAsync(ns, name, ct);
                Queue.Forget(key);
                metrics.CountReconcile(Name, result.RequeueAfter is null ? "success" : "requeue_after");
                if (result.RequeueAfter is { } after) Queue.AddAfter(key, after);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = Queue.AddRateLimited(key);
                metrics.CountReconcile(Name, "error");
                metrics.CountReconcileError(Name);
                if (e is KubeApiException { IsConflict: true })
                    logger.LogInformation("{Controller} {Key}: conflict, retrying in {Delay} ms: {Error}", Name, key, (int)delay.TotalMilliseconds, e.Message);
                else
                    logger.LogWarning("{Controller} {Key}: reconcile failed, retrying in {Delay} ms: {Error}", Name, key, (int)delay.TotalMilliseconds, e.Message);
            }
            finally
            {
                metrics.ObserveReconcileDuration(Name, clock.Elapsed);
                Queue.Done(key);
            }
        }
    }
}
