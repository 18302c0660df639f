using System.Net;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorPatchTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Merge_patch_merges_objects_deletes_nulls_and_replaces_lists()
    {
        await _api.CreateAsync(ConfigMaps, """{"metadata":{"name":"a","labels":{"x":"1","y":"2"}},"data":{"k":"v"}}""");

        var (status, body) = await _api.PatchAsync(ConfigMaps + "/a",
            """{"metadata":{"labels":{"y":null,"z":"3"},"finalizers":["f"]},"data":{"n":"m"}}""", "application/merge-patch+json");

        status.Should().Be(HttpStatusCode.OK);
        body["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"x":"1","z":"3"}""");
        body["data"]!.ToJsonString().Should().Be("""{"k":"v","n":"m"}""");
        body["metadata"]!["finalizers"]!.ToJsonString().Should().Be("""["f"]""");
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_and_env_by_name()
    {
        await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("web", 1));

        var (status, body) = await _api.PatchAsync(Deployments + "/web", """
            {"spec":{"template":{"spec":{"containers":[
              {"name":"main","env":[{"name":"B","value":"2"},{"name":"A","value":"9"}]},
              {"name":"sidecar","image":"busybox"}],
              "$setElementOrder/containers":[{"name":"main"},{"name":"sidecar"}]}}}}
            """, "application/strategic-merge-patch+json");

        status.Should().Be(HttpStatusCode.OK);
        var containers = body["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Select(c => c!["name"]!.GetValue<string>()).Should().Equal("main", "sidecar");
        containers[0]!["image"]!.GetValue<string>().Should().Be("nginx", "fields the patch does not name survive");
        containers[0]!["env"]!.ToJsonString().Should().Be("""[{"name":"A","value":"9"},{"name":"B","value":"2"}]""");
        body["metadata"]!["generation"]!.GetValue<long>().Should().Be(2);
    }

    [Fact]
    public async Task Strategic_merge_patch_deletes_list_elements_with_the_patch_directive()
    {
        await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("web", 1));

        var (_, body) = await _api.PatchAsync(Deployments + "/web",
            """{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"A","$patch":"delete"}]}]}}}}""",
            "application/strategic-merge-patch+json");

        body["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task Json_patch_applies_operations_in_order_and_a_failed_test_is_422()
    {
        await _api.CreateAsync(ConfigMaps, """{"metadata":{"name":"a","labels":{"x":"1"}},"data":{"k":"v"}}""");

        var (ok, body) = await _api.PatchAsync(ConfigMaps + "/a", """
            [{"op":"test","path":"/data/k","value":"v"},
             {"op":"add","path":"/metadata/labels/a~1b","value":"slash"},
             {"op":"replace","path":"/data/k","value":"w"},
             {"op":"copy","from":"/data/k","path":"/data/copy"},
             {"op":"remove","path":"/metadata/labels/x"}]
            """, "application/json-patch+json");
        var (failed, _) = await _api.PatchAsync(ConfigMaps + "/a", """[{"op":"test","path":"/data/k","value":"nope"}]""", "application/json-patch+json");

        ok.Should().Be(HttpStatusCode.OK);
        body["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"a/b":"slash"}""");
        body["data"]!.ToJsonString().Should().Be("""{"k":"w","copy":"w"}""");
        failed.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_patch_carrying_a_stale_resource_version_is_409()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        await _api.PatchAsync(ConfigMaps + "/a", """{"data":{"k":"2"}}""", "application/merge-patch+json");
        var rv = created["metadata"]!["resourceVersion"]!.GetValue<string>();

        var (status, _) = await _api.PatchAsync(ConfigMaps + "/a", """{"metadata":{"resourceVersion":"RV"},"data":{"k":"3"}}""".Replace("RV", rv, StringComparison.Ordinal), "application/merge-patch+json");

        status.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_merges_and_drops_fields_the_manager_stopped_applying()
    {
        const string first = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: applied
              labels: {owner: op, temp: "yes"}
            data:
              replicas: "3"
              enabled: "true"
            """;
        const string second = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: applied
              labels: {owner: op}
            data:
              replicas: "4"
              enabled: "true"
            """;
        var path = ConfigMaps + "/applied?fieldManager=quantserve&force=true";

        var (created, createdBody) = await _api.PatchAsync(path, first, "application/apply-patch+yaml");
        await _api.PatchAsync(ConfigMaps + "/applied", """{"data":{"other":"kept"}}""", "application/merge-patch+json");
        var (updated, body) = await _api.PatchAsync(path, second, "application/apply-patch+yaml");

        created.Should().Be(HttpStatusCode.Created);
        createdBody["data"]!["replicas"]!.GetValue<string>().Should().Be("3", "quoted YAML scalars stay strings");
        updated.Should().Be(HttpStatusCode.OK);
        body["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"owner":"op"}""");
        body["data"]!.ToJsonString().Should().Be("""{"replicas":"4","enabled":"true","other":"kept"}""");
    }

    [Fact]
    public async Task Server_side_apply_accepts_json_bodies_and_requires_a_field_manager()
    {
        var json = KubeHttp.Configmap("j").ToJsonString();

        var (missingManager, _) = await _api.PatchAsync(ConfigMaps + "/j", json, "application/apply-patch+yaml");
        var (created, _) = await _api.PatchAsync(ConfigMaps + "/j?fieldManager=m", json, "application/apply-patch+yaml");

        missingManager.Should().Be(HttpStatusCode.BadRequest);
        created.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Server_side_apply_on_status_changes_only_status()
    {
        await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("web", 1));

        var (status, body) = await _api.PatchAsync(Deployments + "/web/status?fieldManager=op",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":5},"status":{"readyReplicas":1}}""",
            "application/apply-patch+yaml");

        status.Should().Be(HttpStatusCode.OK);
        body["status"]!["readyReplicas"]!.GetValue<int>().Should().Be(1);
        body["spec"]!["replicas"]!.GetValue<int>().Should().Be(1);
    }

    [Fact]
    public async Task Unknown_patch_content_types_are_415()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());

        var (status, body) = await _api.PatchAsync(ConfigMaps + "/a", "{}", "application/json");

        status.Should().Be(HttpStatusCode.UnsupportedMediaType);
        body["reason"]!.GetValue<string>().Should().Be("UnsupportedMediaType");
    }

    [Fact]
    public async Task The_scale_subresource_reads_and_writes_deployment_replicas()
    {
        await _api.CreateAsync(Deployments, EmulatorCrudTests.Deployment("web", 2));

        var (_, scale) = await _api.GetAsync(Deployments + "/web/scale");
        var (patched, after) = await _api.PatchAsync(Deployments + "/web/scale", """{"spec":{"replicas":6}}""", "application/merge-patch+json");

        scale["kind"]!.GetValue<string>().Should().Be("Scale");
        scale["apiVersion"]!.GetValue<string>().Should().Be("autoscaling/v1");
        scale["spec"]!["replicas"]!.GetValue<long>().Should().Be(2);
        scale["status"]!["selector"]!.GetValue<string>().Should().Be("app=web");
        patched.Should().Be(HttpStatusCode.OK);
        after["spec"]!["replicas"]!.GetValue<long>().Should().Be(6);
        _api.Emulator.GetObject("apps/v1", "deployments", "default", "web")!["spec"]!["replicas"]!.GetValue<long>().Should().Be(6);
    }
}
