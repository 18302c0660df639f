using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using QuantServe.Operator.Controllers;
using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Integration;

public class InformerTests
{
    private static JsonObject Job(string name, int shards = 1) => new()
    {
        ["apiVersion"] = "quantserve.dev/v1alpha1",
        ["kind"] = "QuantizationJob",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["model"] = new JsonObject { ["id"] = "org/model" }, ["bits"] = shards == 1 ? 4 : 8 },
    };

    [Fact]
    public async Task DeletionDuringADisconnect_IsSeenByTheRelist()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        var metrics = new OperatorMetrics();
        var informer = new Informer(env.Api, QuantServeResources.QuantizationJobs, null, null, 10, metrics, NullLogger.Instance);
        var seen = new ConcurrentQueue<string>();
        informer.Changed += obj => seen.Enqueue(KubeApi.Name(obj));
        await env.CreateAsync(Job("kept"));
        await env.CreateAsync(Job("doomed"));
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None);
        informer.Cache.Count.Should().Be(2);

        // Cut the watch and keep it down while the object is deleted, with the history compacted (410).
        env.Emulator.Faults.FailNext(1000, 503, "GET", "watch=true");
        env.Emulator.Faults.DropWatches();
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Emulator.Requests.Any(r => r.IsWatch && r.StatusCode == 503),
            "the informer tried to reconnect and was refused");
        await env.Api.DeleteAsync(QuantServeResources.QuantizationJobs, "default", "doomed", CancellationToken.None);
        env.Emulator.CompactHistory();
        env.Emulator.Faults.Clear();

        await OperatorTestEnvironment.WaitUntilAsync(() => informer.Cache.Get("default", "doomed") is null, "the deletion reaches the cache");
        informer.Cache.Get("default", "kept").Should().NotBeNull();
        await env.CreateAsync(Job("later"));
        await OperatorTestEnvironment.WaitUntilAsync(() => informer.Cache.Get("default", "later") is not null, "the watch resumed");
        metrics.CounterTotal("quantserve_operator_watch_restarts_total").Should().BeGreaterThan(0);
        await stop.CancelAsync();
        await run;
    }
}
