using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using QuantServe.KubeEmulator.Printing;
using QuantServe.KubeEmulator.Resources;
using QuantServe.KubeEmulator.Selection;
using QuantServe.KubeEmulator.Storage;

namespace QuantServe.KubeEmulator.Http;

/// <summary>
/// Streams a watch as newline-delimited JSON events, flushing after each one. An expired resourceVersion
/// answers 200 with a single ERROR event carrying a 410 Expired Status, as kube-apiserver does.
/// </summary>
internal sealed class WatchStreamer(ObjectStore store, KubeApiEmulatorOptions options, CancellationToken stopping)
{
    public sealed record WatchRequest(
        ResourceType Type, string Version, string? Namespace, LabelSelector Labels, FieldSelector Fields,
        string? ResourceVersion, bool Bookmarks, TimeSpan Timeout, bool AsTable, string? IncludeObject, bool SendInitialEvents = false);

    public async Task StreamAsync(HttpContext context, WatchRequest watch, Action<int> record)
    {
        WatchSubscription? subscription = null;
        JsonObject? expired = null;
        try
        {
            subscription = store.Watch(watch.Type, watch.Namespace, watch.Labels, watch.Fields, watch.ResourceVersion, watch.Bookmarks, watch.SendInitialEvents);
        }
        catch (ApiException ex) when (ex.Code == 410)
        {
            expired = ex.ToStatus();
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        record(200);
        await response.StartAsync(context.RequestAborted);

        // Headers go out now: a client waits for them before it reads events, and there may be none for a while.
        await response.Body.FlushAsync(context.RequestAborted);
        if (subscription is null)
        {
            await WriteEventAsync(response, "ERROR", expired!, context.RequestAborted);
            return;
        }

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, subscription.Dropped.Token, stopping);
        lifetime.CancelAfter(watch.Timeout);
        var reader = subscription.Events.Reader;
        try
        {
            while (!lifetime.IsCancellationRequested)
            {
                while (reader.TryRead(out var item))
                {
                    await WriteEventAsync(response, item.Kind, Present(watch, item.Kind, item.Object), lifetime.Token);
                }

                var next = reader.WaitToReadAsync(lifetime.Token).AsTask();
                if (watch.Bookmarks)
                {
                    var idle = Task.Delay(options.BookmarkInterval, lifetime.Token);
                    if (await Task.WhenAny(next, idle) == idle && !lifetime.IsCancellationRequested)
                    {
                        store.QueueBookmark(subscription);
                    }
                }
                else
                {
                    await next;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone, DropWatches or shutdown: end the stream cleanly.
        }
        finally
        {
            store.Unsubscribe(subscription);
        }
    }

    private static JsonObject Present(WatchRequest watch, string kind, JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = watch.Type.ApiVersion(watch.Version);
        return watch.AsTable && kind != "BOOKMARK"
            ? TableConverter.Convert(watch.Type, watch.Version, [copy], ObjectStore.ResourceVersion(copy), watch.IncludeObject)
            : copy;
    }

    private static async Task WriteEventAsync(HttpResponse response, string kind, JsonObject obj, CancellationToken token)
    {
        var line = new JsonObject { ["type"] = kind, ["object"] = obj }.ToJsonString() + "\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), token);
        await response.Body.FlushAsync(token);
    }
}
