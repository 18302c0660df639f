using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace QuantServe.Operator.Runtime;

/// <summary>List + watch of one resource into an <see cref="ObjectCache"/>: watches resume from the last
/// resourceVersion (bookmarks keep it fresh), reconnect when the server ends the stream, relist on 410
/// and after errors (with backoff), and report every change to the handlers.</summary>
public sealed class Informer(KubeApi api, KubeResource resource, string? ns, string? labelSelector,
    int watchTimeoutSeconds, OperatorMetrics metrics, ILogger logger)
{
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KubeResource Resource { get; } = resource;
    public string? LabelSelector { get; } = labelSelector;
    public ObjectCache Cache { get; } = new();
    public bool HasSynced => synced.Task.IsCompleted;

    /// <summary>Called with the new object on add/update and the last known object on delete.</summary>
    public event Action<JsonObject>? Changed;

    public Task WaitForSyncAsync(CancellationToken ct) => synced.Task.WaitAsync(ct);

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var (items, version) = await api.ListAsync(Resource, ns, LabelSelector, ct);
                foreach (var item in items) Trim(item);
                var gone = Cache.Replace(items);
                foreach (var obj in gone) Notify(obj);
                foreach (var obj in items) Notify(obj);
                synced.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(200);
                logger.LogDebug("listed {Resource}: {Count} objects at resourceVersion {Version}", Resource, items.Count, version);
                await WatchFromAsync(version, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                metrics.CountWatchRestart(Resource.ToString(), "expired");
                logger.LogInformation("watch of {Resource} expired (410); relisting", Resource);
            }
            catch (Exception e)
            {
                metrics.CountWatchRestart(Resource.ToString(), "error");
                logger.LogWarning("list/watch of {Resource} failed, relisting in {Delay} ms: {Error}", Resource, (int)backoff.TotalMilliseconds, e.Message);
                try
                {
                    await Task.Delay(backoff, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task WatchFromAsync(string version, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await foreach (var e in api.WatchAsync(Resource, ns, LabelSelector, version, watchTimeoutSeconds, ct))
            {
                var eventVersion = e.Object["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (!string.IsNullOrEmpty(eventVersion)) version = eventVersion;
                switch (e.Type)
                {
                    case "ADDED":
                    case "MODIFIED":
                        Trim(e.Object);
                        Cache.Set(e.Object);
                        Notify(e.Object);
                        break;
                    case "DELETED":
                        Cache.Remove(ObjectCache.KeyOf(e.Object), out _);
                        Notify(e.Object);
                        break;
                }
            }
            // The server closed the stream (timeoutSeconds or a dropped connection): resume where we were.
            metrics.CountWatchRestart(Resource.ToString(), "closed");
        }
    }

    /// <summary>managedFields are often the largest part of an object and no reconcile reads them.</summary>
    private static void Trim(JsonObject obj) => (obj["metadata"] as JsonObject)?.Remove("managedFields");

    private void Notify(JsonObject obj)
    {
        try
        {
            Changed?.Invoke(obj);
        }
        catch (Exception e)
        {
            logger.LogError(e, "event handler for {Resource} failed", Resource);
        }
    }
}
