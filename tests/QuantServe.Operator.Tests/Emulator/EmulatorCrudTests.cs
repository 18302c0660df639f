using System.Net;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorCrudTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Create_assigns_uid_creation_timestamp_generation_and_a_numeric_resource_version()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var metadata = created["metadata"]!;
        Guid.TryParse(metadata["uid"]!.GetValue<string>(), out _).Should().BeTrue();
        DateTimeOffset.TryParse(metadata["creationTimestamp"]!.GetValue<string>(), out _).Should().BeTrue();
        metadata["generation"]!.GetValue<long>().Should().Be(1);
        long.Parse(metadata["resourceVersion"]!.GetValue<string>()).Should().BeGreaterThan(0);
        created.Select(kv => kv.Key).Take(3).Should().Equal("apiVersion", "kind", "metadata");
        created["kind"]!.GetValue<string>().Should().Be("ConfigMap");
        created["apiVersion"]!.GetValue<string>().Should().Be("v1");
    }

    [Fact]
    public async Task Creating_an_existing_name_is_409_AlreadyExists_with_a_Status_body()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var (status, body) = await _api.PostAsync(ConfigMaps, KubeHttp.Configmap("a"));

        status.Should().Be(HttpStatusCode.Conflict);
        body["kind"]!.GetValue<string>().Should().Be("Status");
        body["status"]!.GetValue<string>().Should().Be("Failure");
        body["reason"]!.GetValue<string>().Should().Be("AlreadyExists");
        body["code"]!.GetValue<int>().Should().Be(409);
    }

    [Fact]
    public async Task GenerateName_creates_distinct_names_with_the_prefix()
    {
        var body = """{"metadata":{"generateName":"job-"},"data":{}}""";

        var first = await _api.CreateAsync(ConfigMaps, body);
        var second = await _api.CreateAsync(ConfigMaps, body);

        var names = new[] { first, second }.Select(o => o["metadata"]!["name"]!.GetValue<string>()).ToList();
        names.Should().OnlyContain(n => n.StartsWith("job-") && n.Length == "job-".Length + 5);
        names.Distinct().Should().HaveCount(2);
    }

    [Fact]
    public async Task A_body_with_a_field_of_the_wrong_type_is_400_not_a_server_error()
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Post, ConfigMaps, """{"metadata":{"name":5}}""");

        status.Should().Be(HttpStatusCode.BadRequest);
        body["message"]!.GetValue<string>().Should().Contain("wrong type");
    }

    [Fact]
    public async Task Get_of_a_missing_object_is_404_NotFound_naming_it()
    {
        var (status, body) = await _api.GetAsync(ConfigMaps + "/nope");

        status.Should().Be(HttpStatusCode.NotFound);
        body["reason"]!.GetValue<string>().Should().Be("NotFound");
        body["message"]!.GetValue<string>().Should().Be("configmaps \"nope\" not found");
    }

    [Fact]
    public async Task Creating_in_a_missing_namespace_is_404_and_creating_the_namespace_first_works()
    {
        var (missing, _) = await _api.PostAsync("/api/v1/namespaces/team/configmaps", KubeHttp.Configmap("a", "team"));
        await _api.CreateAsync("/api/v1/namespaces", """{"metadata":{"name":"team"}}""");
        var (created, _) = await _api.PostAsync("/api/v1/namespaces/team/configmaps", KubeHttp.Configmap("a", "team"));

        missing.Should().Be(HttpStatusCode.NotFound);
        created.Should().Be(HttpStatusCode.Created);
        _api.Emulator.GetObject("v1", "namespaces", null, "default").Should().NotBeNull("default exists from the start");
    }

    [Fact]
    public async Task Put_with_a_stale_resource_version_is_409_Conflict_and_without_one_is_unconditional()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        var fresh = (JsonObject)created.DeepClone();
        fresh["data"]!["k"] = "v2";
        var (firstUpdate, updated) = await _api.PutAsync(ConfigMaps + "/a", fresh);

        var stale = (JsonObject)created.DeepClone();
        stale["data"]!["k"] = "v3";
        var (staleUpdate, conflict) = await _api.PutAsync(ConfigMaps + "/a", stale);

        var unconditional = (JsonObject)created.DeepClone();
        unconditional["metadata"]!.AsObject().Remove("resourceVersion");
        unconditional["data"]!["k"] = "v4";
        var (forced, final) = await _api.PutAsync(ConfigMaps + "/a", unconditional);

        firstUpdate.Should().Be(HttpStatusCode.OK);
        long.Parse(Rv(updated)).Should().BeGreaterThan(long.Parse(Rv(created)));
        staleUpdate.Should().Be(HttpStatusCode.Conflict);
        conflict["reason"]!.GetValue<string>().Should().Be("Conflict");
        conflict["message"]!.GetValue<string>().Should().Contain("the object has been modified");
        forced.Should().Be(HttpStatusCode.OK);
        final["data"]!["k"]!.GetValue<string>().Should().Be("v4");
    }

    [Fact]
    public async Task Put_to_a_missing_object_is_404_and_a_mismatched_name_is_400()
    {
        var (missing, _) = await _api.PutAsync(ConfigMaps + "/ghost", KubeHttp.Configmap("ghost"));
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        var (mismatch, body) = await _api.PutAsync(ConfigMaps + "/a", KubeHttp.Configmap("b"));

        missing.Should().Be(HttpStatusCode.NotFound);
        mismatch.Should().Be(HttpStatusCode.BadRequest);
        body["message"]!.GetValue<string>().Should().Contain("does not match the name on the URL");
    }

    [Fact]
    public async Task An_update_that_changes_nothing_keeps_the_resource_version()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var (_, same) = await _api.PutAsync(ConfigMaps + "/a", created);

        Rv(same).Should().Be(Rv(created));
    }

    [Fact]
    public async Task Generation_bumps_on_spec_changes_only_and_the_main_resource_ignores_status()
    {
        var created = await _api.CreateAsync(Deployments, Deployment("web", replicas: 1));

        var labelled = (JsonObject)created.DeepClone();
        labelled["metadata"]!["labels"] = new JsonObject { ["tier"] = "front" };
        labelled["status"] = new JsonObject { ["readyReplicas"] = 9 };
        var (_, afterLabel) = await _api.PutAsync(Deployments + "/web", labelled);

        var scaled = (JsonObject)afterLabel.DeepClone();
        scaled["spec"]!["replicas"] = 3;
        var (_, afterSpec) = await _api.PutAsync(Deployments + "/web", scaled);

        Generation(afterLabel).Should().Be(1, "a label is metadata");
        afterLabel["status"].Should().BeNull("the main resource ignores status when /status exists");
        afterLabel["metadata"]!["labels"]!["tier"]!.GetValue<string>().Should().Be("front");
        Generation(afterSpec).Should().Be(2);
    }

    [Fact]
    public async Task The_status_subresource_changes_only_status_and_keeps_generation()
    {
        var created = await _api.CreateAsync(Deployments, Deployment("web", replicas: 1));
        var update = (JsonObject)created.DeepClone();
        update["spec"]!["replicas"] = 7;
        update["metadata"]!["labels"] = new JsonObject { ["sneaky"] = "yes" };
        update["status"] = new JsonObject { ["availableReplicas"] = 1 };

        var (status, body) = await _api.PutAsync(Deployments + "/web/status", update);

        status.Should().Be(HttpStatusCode.OK);
        body["status"]!["availableReplicas"]!.GetValue<int>().Should().Be(1);
        body["spec"]!["replicas"]!.GetValue<int>().Should().Be(1);
        body["metadata"]!["labels"].Should().BeNull();
        Generation(body).Should().Be(1);
        (await _api.GetAsync(Deployments + "/web/status")).Body["status"]!["availableReplicas"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Delete_without_finalizers_removes_the_object()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var (deleted, _) = await _api.DeleteAsync(ConfigMaps + "/a");
        var (after, _) = await _api.GetAsync(ConfigMaps + "/a");
        var (again, _) = await _api.DeleteAsync(ConfigMaps + "/a");

        deleted.Should().Be(HttpStatusCode.OK);
        after.Should().Be(HttpStatusCode.NotFound);
        again.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_with_finalizers_sets_deletionTimestamp_and_removes_once_they_are_emptied()
    {
        var cm = KubeHttp.Configmap("a");
        cm["metadata"]!["finalizers"] = new JsonArray("example.test/cleanup");
        await _api.CreateAsync(ConfigMaps, cm.ToJsonString());

        var (accepted, pending) = await _api.DeleteAsync(ConfigMaps + "/a");
        var (_, stillThere) = await _api.GetAsync(ConfigMaps + "/a");
        var (addFinalizer, _) = await _api.PatchAsync(
            ConfigMaps + "/a", """{"metadata":{"finalizers":["example.test/cleanup","another"]}}""", "application/merge-patch+json");
        var (released, _) = await _api.PatchAsync(ConfigMaps + "/a", """{"metadata":{"finalizers":null}}""", "application/merge-patch+json");
        var (gone, _) = await _api.GetAsync(ConfigMaps + "/a");

        accepted.Should().Be(HttpStatusCode.Accepted);
        pending["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        stillThere["metadata"]!["deletionTimestamp"].Should().NotBeNull();
        addFinalizer.Should().Be(HttpStatusCode.UnprocessableEntity, "no new finalizers once deletion started");
        released.Should().Be(HttpStatusCode.OK);
        gone.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_preconditions_on_uid_are_enforced()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var (status, body) = await _api.DeleteAsync(ConfigMaps + "/a", JsonNode.Parse("""{"preconditions":{"uid":"not-it"}}"""));

        status.Should().Be(HttpStatusCode.Conflict);
        body["message"]!.GetValue<string>().Should().Contain("Precondition failed");
    }

    [Fact]
    public async Task Leases_support_leader_election_get_create_and_conditional_replace()
    {
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
        var (missing, _) = await _api.GetAsync(leases + "/operator");
        var created = await _api.CreateAsync(leases,
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"operator"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15,"renewTime":"2026-01-01T00:00:00.000000Z"}}""");
        var renewed = (JsonObject)created.DeepClone();
        renewed["spec"]!["renewTime"] = "2026-01-01T00:00:02.000000Z";
        var (renew, _) = await _api.PutAsync(leases + "/operator", renewed);
        var takeover = (JsonObject)created.DeepClone();
        takeover["spec"]!["holderIdentity"] = "b";
        var (steal, _) = await _api.PutAsync(leases + "/operator", takeover);

        missing.Should().Be(HttpStatusCode.NotFound);
        renew.Should().Be(HttpStatusCode.OK);
        steal.Should().Be(HttpStatusCode.Conflict, "b used a stale resourceVersion");
    }

    [Fact]
    public async Task Cluster_scoped_namespaces_are_served_without_a_namespace_segment()
    {
        var (status, list) = await _api.GetAsync("/api/v1/namespaces");
        var (wrongScope, _) = await _api.GetAsync("/api/v1/namespaces/default/namespaces");

        status.Should().Be(HttpStatusCode.OK);
        list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())
            .Should().Contain(["default", "kube-system"]);
        wrongScope.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_test_backdoor_sets_status_directly_and_bumps_the_resource_version()
    {
        var created = await _api.CreateAsync(Deployments, Deployment("web", replicas: 2));

        var marked = _api.Emulator.UpdateStatus("apps/v1", "deployments", "default", "web", s => s["availableReplicas"] = 2);
        var other = JsonNode.Parse(Deployment("other", replicas: 1))!.AsObject();
        other["metadata"]!["namespace"] = "default";
        other["status"] = new JsonObject { ["replicas"] = 1 };
        var put = _api.Emulator.PutObject(other);

        marked["status"]!["availableReplicas"]!.GetValue<int>().Should().Be(2);
        long.Parse(Rv(marked)).Should().BeGreaterThan(long.Parse(Rv(created)));
        _api.Emulator.GetObject("apps/v1", "deployments", "default", "web")!["status"]!["availableReplicas"]!.GetValue<int>().Should().Be(2);
        put["metadata"]!["uid"].Should().NotBeNull();
        put["status"]!["replicas"]!.GetValue<int>().Should().Be(1, "the backdoor keeps status, unlike a POST");
        (await _api.GetAsync(Deployments + "/other")).Status.Should().Be(HttpStatusCode.OK);
    }

    internal static string Deployment(string name, int replicas) => """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME"},
         "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"NAME"}},
                 "template":{"metadata":{"labels":{"app":"NAME"}},"spec":{"containers":[{"name":"main","image":"nginx","env":[{"name":"A","value":"1"}]}]}}}}
        """.Replace("NAME", name, StringComparison.Ordinal).Replace("REPLICAS", replicas.ToString(), StringComparison.Ordinal);


    private static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();
}
