using System.Net;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorGarbageCollectionTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Deleting_an_owner_deletes_its_dependents_in_the_background()
    {
        var owner = await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("owner", 1));
        await _api.CreateAsync(ConfigMaps, Owned("child", owner));
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("bystander").ToJsonString());

        await _api.DeleteAsync(Deployments + "/owner");

        (await _api.GetAsync(ConfigMaps + "/child")).Status.Should().Be(HttpStatusCode.NotFound);
        (await _api.GetAsync(ConfigMaps + "/bystander")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cascading_respects_the_dependents_finalizers_and_reaches_grandchildren()
    {
        var owner = await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("owner", 1));
        var child = await _api.CreateAsync(ConfigMaps, Owned("child", owner, finalizer: "example.test/hold"));
        await _api.CreateAsync(ConfigMaps, Owned("grandchild", child));

        await _api.DeleteAsync(Deployments + "/owner");
        var (_, held) = await _api.GetAsync(ConfigMaps + "/child");
        var grandchildWhileHeld = (await _api.GetAsync(ConfigMaps + "/grandchild")).Status;
        await _api.PatchAsync(ConfigMaps + "/child", """{"metadata":{"finalizers":[]}}""", "application/merge-patch+json");

        held["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        grandchildWhileHeld.Should().Be(HttpStatusCode.OK, "the child is not gone yet");
        (await _api.GetAsync(ConfigMaps + "/child")).Status.Should().Be(HttpStatusCode.NotFound);
        (await _api.GetAsync(ConfigMaps + "/grandchild")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_its_dependents_are_gone()
    {
        var owner = await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("owner", 1));
        await _api.CreateAsync(ConfigMaps, Owned("child", owner, finalizer: "example.test/hold"));
        await _api.CreateAsync(ConfigMaps, Owned("free", owner));

        var (accepted, pending) = await _api.DeleteAsync(Deployments + "/owner", JsonNode.Parse("""{"propagationPolicy":"Foreground"}"""));
        var freeGone = (await _api.GetAsync(ConfigMaps + "/free")).Status;
        var (_, held) = await _api.GetAsync(ConfigMaps + "/child");
        await _api.PatchAsync(ConfigMaps + "/child", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");

        accepted.Should().Be(HttpStatusCode.Accepted);
        pending["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).Should().Equal("foregroundDeletion");
        freeGone.Should().Be(HttpStatusCode.NotFound);
        held["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        (await _api.GetAsync(Deployments + "/owner")).Status.Should().Be(HttpStatusCode.NotFound, "its last dependent is gone");
    }

    [Fact]
    public async Task Orphan_propagation_keeps_dependents_and_strips_the_owner_reference()
    {
        var owner = await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("owner", 1));
        await _api.CreateAsync(ConfigMaps, Owned("child", owner));

        await _api.DeleteAsync(Deployments + "/owner", JsonNode.Parse("""{"propagationPolicy":"Orphan"}"""));
        var (status, child) = await _api.GetAsync(ConfigMaps + "/child");

        status.Should().Be(HttpStatusCode.OK);
        child["metadata"]!["ownerReferences"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_its_contents_and_then_itself()
    {
        await _api.CreateAsync("/api/v1/namespaces", """{"metadata":{"name":"team"}}""");
        var held = KubeHttp.Configmap("held", "team");
        held["metadata"]!["finalizers"] = new JsonArray("example.test/hold");
        await _api.CreateAsync("/api/v1/namespaces/team/configmaps", held.ToJsonString());
        await _api.CreateAsync("/api/v1/namespaces/team/configmaps", KubeHttp.Configmap("free", "team").ToJsonString());

        await _api.DeleteAsync("/api/v1/namespaces/team");
        var (_, terminating) = await _api.GetAsync("/api/v1/namespaces/team");
        var (refused, _) = await _api.PostAsync("/api/v1/namespaces/team/configmaps", KubeHttp.Configmap("late", "team"));
        var freeGone = (await _api.GetAsync("/api/v1/namespaces/team/configmaps/free")).Status;
        await _api.PatchAsync("/api/v1/namespaces/team/configmaps/held", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");

        terminating["status"]!["phase"]!.GetValue<string>().Should().Be("Terminating");
        refused.Should().Be(HttpStatusCode.Forbidden);
        freeGone.Should().Be(HttpStatusCode.NotFound);
        (await _api.GetAsync("/api/v1/namespaces/team")).Status.Should().Be(HttpStatusCode.NotFound);
    }

    private static string Owned(string name, JsonObject owner, string? finalizer = null)
    {
        var metadata = owner["metadata"]!;
        var reference = new JsonObject
        {
            ["apiVersion"] = owner["apiVersion"]!.GetValue<string>(),
            ["kind"] = owner["kind"]!.GetValue<string>(),
            ["name"] = metadata["name"]!.GetValue<string>(),
            ["uid"] = metadata["uid"]!.GetValue<string>(),
            ["controller"] = true,
        };
        var cm = KubeHttp.Configmap(name);
        cm["metadata"]!["ownerReferences"] = new JsonArray(reference);
        if (finalizer is not null)
        {
            cm["metadata"]!["finalizers"] = new JsonArray(finalizer);
        }

        return cm.ToJsonString();
    }
}
