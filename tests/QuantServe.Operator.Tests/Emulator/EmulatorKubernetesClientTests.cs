using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using QuantServe.KubeEmulator;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>The KubernetesClient library the operator uses, against the emulator through a written kubeconfig.</summary>
public sealed class EmulatorKubernetesClientTests : IAsyncLifetime
{
    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), "kube-emulator-" + Guid.NewGuid().ToString("N") + ".yaml");
    private KubeApiEmulator _emulator = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _emulator = await KubeApiEmulator.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_emulator.WriteKubeconfig(_kubeconfig)));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _emulator.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    [Fact]
    public async Task Typed_create_list_and_a_conflicting_replace_behave_as_on_a_cluster()
    {
        var created = await _client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "default");
        created.Data["k"] = "v2";
        await _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");
        created.Data["k"] = "v3";

        var conflict = () => _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync("default");

        (await conflict.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        list.Items.Should().ContainSingle(c => c.Metadata.Name == "a" && c.Data["k"] == "v2");
        list.Metadata.ResourceVersion.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_typed_watch_sees_changes_bookmarks_and_a_410_through_onError()
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync("default");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<string>();
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w" } }, "default");
        var watch = _client.CoreV1.WatchListNamespacedConfigMapAsync(
            "default", allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 10, cancellationToken: stop.Token);
        await foreach (var (type, item) in watch)
        {
            seen.Add($"{type} {item.Metadata.Name ?? "-"}");
            if (type == WatchEventType.Bookmark)
            {
                break;
            }
        }

        _emulator.CompactHistory();
        Exception? error = null;
        var expired = _client.CoreV1.WatchListNamespacedConfigMapAsync(
            "default", resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 10, onError: e => error = e, cancellationToken: stop.Token);
        await foreach (var _ in expired)
        {
        }

        seen.Should().Equal("Added w", "Bookmark -");
        error.Should().BeOfType<KubernetesException>().Which.Status.Code.Should().Be(410);
    }

    [Fact]
    public async Task Leader_election_on_a_Lease_acquires_leadership()
    {
        var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(_client, "default", "operator-lock", "pod-a"))
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        elector.OnStartedLeading += () => leading.TrySetResult();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var run = elector.RunUntilLeadershipLostAsync(stop.Token);
        await leading.Task.WaitAsync(stop.Token);
        var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync("operator-lock", "default");
        await stop.CancelAsync();
        await run.ContinueWith(_ => { }, CancellationToken.None);
        elector.Dispose();

        lease.Spec.HolderIdentity.Should().Be("pod-a");
    }

    [Fact]
    public async Task Custom_objects_status_patch_and_server_side_apply_work_through_the_client()
    {
        var crd = KubernetesJson.Deserialize<V1CustomResourceDefinition>(CustomResources.GadgetCrdJson);
        await _client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            JsonNode.Parse(CustomResources.Gadget("g1")), "example.test", "v1", "default", "gadgets");

        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1,"conditions":[{"type":"Ready","status":"True"}]}}""", V1Patch.PatchType.MergePatch),
            "example.test", "v1", "default", "gadgets", "g1");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(
            // The client writes a V1Patch body as raw JSON, so its apply configurations are JSON (valid YAML).
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"a":"1"}}""", V1Patch.PatchType.ApplyPatch),
            "applied", "default", fieldManager: "quantserve", force: true);

        var stored = _emulator.GetObject("example.test/v1", "gadgets", "default", "g1")!;
        stored["status"]!["conditions"]![0]!["type"]!.GetValue<string>().Should().Be("Ready");
        (await _client.CoreV1.ReadNamespacedConfigMapAsync("applied", "default")).Data["a"].Should().Be("1");
    }
}
