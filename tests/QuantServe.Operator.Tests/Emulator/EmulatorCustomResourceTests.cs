using System.Net;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorCustomResourceTests : IAsyncLifetime
{
    private const string Crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Custom_resources_are_not_served_until_their_CRD_is_created()
    {
        var (before, _) = await _api.GetAsync(CustomResources.Gadgets);
        var crd = await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        var (after, list) = await _api.GetAsync(CustomResources.Gadgets);

        before.Should().Be(HttpStatusCode.NotFound);
        after.Should().Be(HttpStatusCode.OK);
        list["kind"]!.GetValue<string>().Should().Be("GadgetList");
        crd["status"]!["conditions"]!.AsArray().Should().Contain(c =>
            c!["type"]!.GetValue<string>() == "Established" && c["status"]!.GetValue<string>() == "True");
    }

    [Fact]
    public async Task A_CRD_whose_name_is_not_plural_dot_group_is_422_Invalid()
    {
        var bad = JsonNode.Parse(CustomResources.GadgetCrdJson)!;
        bad["metadata"]!["name"] = "wrong.example.test";

        var (status, body) = await _api.PostAsync(Crds, bad);

        status.Should().Be(HttpStatusCode.UnprocessableEntity);
        body["reason"]!.GetValue<string>().Should().Be("Invalid");
        body["message"]!.GetValue<string>().Should().Contain("metadata.name");
    }

    [Fact]
    public async Task Discovery_lists_the_CRD_group_with_its_resources_short_names_and_subresources()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);

        var (_, groups) = await _api.GetAsync("/apis");
        var (_, resources) = await _api.GetAsync("/apis/example.test/v1");
        var (_, core) = await _api.GetAsync("/api/v1");
        var (_, apps) = await _api.GetAsync("/apis/apps/v1");
        var (_, version) = await _api.GetAsync("/version");

        var group = groups["groups"]!.AsArray().Single(g => g!["name"]!.GetValue<string>() == "example.test")!;
        group["preferredVersion"]!["version"]!.GetValue<string>().Should().Be("v1");
        group["versions"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()).Should().Equal("v1", "v1alpha1");
        var names = resources["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        names.Should().Equal("gadgets", "gadgets/status", "gadgets/scale");
        var gadgets = resources["resources"]![0]!;
        gadgets["kind"]!.GetValue<string>().Should().Be("Gadget");
        gadgets["namespaced"]!.GetValue<bool>().Should().BeTrue();
        gadgets["shortNames"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Equal("gd");
        gadgets["verbs"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Contain(["watch", "patch", "create"]);
        core["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>())
            .Should().Contain(["pods", "pods/status", "services", "secrets", "configmaps", "persistentvolumeclaims", "events", "serviceaccounts", "namespaces"]);
        apps["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).Should().Equal("deployments", "deployments/status", "deployments/scale");
        apps["resources"]![0]!["categories"]!.AsArray().Select(c => c!.GetValue<string>()).Should().Equal("all");
        version["gitVersion"]!.GetValue<string>().Should().StartWith("v1.");
    }

    [Fact]
    public async Task Custom_resources_get_status_and_scale_subresources_when_declared()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        var created = await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g1", replicas: 2));

        var withStatus = (JsonObject)created.DeepClone();
        withStatus["status"] = JsonNode.Parse("""{"replicas":2,"selector":"app=g1","observedGeneration":1}""");
        var (mainPut, main) = await _api.PutAsync(CustomResources.Gadgets + "/g1", withStatus);
        var (statusPut, status) = await _api.PutAsync(CustomResources.Gadgets + "/g1/status", withStatus);
        var (_, scale) = await _api.GetAsync(CustomResources.Gadgets + "/g1/scale");
        var scaleBody = (JsonObject)scale.DeepClone();
        scaleBody["spec"]!["replicas"] = 4;
        var (scalePut, _) = await _api.PutAsync(CustomResources.Gadgets + "/g1/scale", scaleBody);

        mainPut.Should().Be(HttpStatusCode.OK);
        main["status"].Should().BeNull("the main resource ignores status once /status is declared");
        statusPut.Should().Be(HttpStatusCode.OK);
        status["status"]!["replicas"]!.GetValue<int>().Should().Be(2);
        scale["spec"]!["replicas"]!.GetValue<long>().Should().Be(2);
        scale["status"]!["selector"]!.GetValue<string>().Should().Be("app=g1");
        scalePut.Should().Be(HttpStatusCode.OK);
        var stored = _api.Emulator.GetObject("example.test/v1", "gadgets", "default", "g1")!;
        stored["spec"]!["replicas"]!.GetValue<int>().Should().Be(4);
        stored["metadata"]!["generation"]!.GetValue<long>().Should().Be(2);
    }

    [Fact]
    public async Task Strategic_merge_patch_on_a_custom_resource_is_415_as_on_a_real_server()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g1"));

        var (status, _) = await _api.PatchAsync(CustomResources.Gadgets + "/g1", """{"spec":{"model":"big"}}""", "application/strategic-merge-patch+json");

        status.Should().Be(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Every_served_version_reads_the_same_object_under_its_own_apiVersion()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g1"));

        var (status, old) = await _api.GetAsync("/apis/example.test/v1alpha1/namespaces/default/gadgets/g1");

        status.Should().Be(HttpStatusCode.OK);
        old["apiVersion"]!.GetValue<string>().Should().Be("example.test/v1alpha1");
    }

    [Fact]
    public async Task Cluster_scoped_custom_resources_live_outside_namespaces()
    {
        await _api.CreateAsync(Crds, CustomResources.RealmCrdJson);

        var created = await _api.CreateAsync("/apis/example.test/v1/realms", """{"apiVersion":"example.test/v1","kind":"Realm","metadata":{"name":"r1","namespace":"ignored"}}""");
        var (namespaced, _) = await _api.GetAsync("/apis/example.test/v1/namespaces/default/realms");

        created["metadata"]!["namespace"].Should().BeNull();
        namespaced.Should().Be(HttpStatusCode.NotFound);
        (await _api.GetAsync("/apis/example.test/v1/realms/r1")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Deleting_the_CRD_removes_its_objects_and_stops_serving_them()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g1"));

        await _api.DeleteAsync(Crds + "/gadgets.example.test");
        var (after, _) = await _api.GetAsync(CustomResources.Gadgets);
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        var (_, relisted) = await _api.GetAsync(CustomResources.Gadgets);

        after.Should().Be(HttpStatusCode.NotFound);
        relisted["items"]!.AsArray().Should().BeEmpty();
    }

    [Fact]
    public async Task Table_output_has_Name_and_the_printer_columns_with_ages_and_conditions()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);
        await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g1", replicas: 3));
        await _api.CreateAsync(CustomResources.Gadgets, CustomResources.Gadget("g2"));
        _api.Emulator.UpdateStatus("example.test/v1", "gadgets", "default", "g1", s => s["conditions"] = JsonNode.Parse(
            """[{"type":"Progressing","status":"False"},{"type":"Ready","status":"True"}]"""));

        var (status, table) = await _api.SendAsync(HttpMethod.Get, CustomResources.Gadgets, accept: TableAccept);

        status.Should().Be(HttpStatusCode.OK);
        table["kind"]!.GetValue<string>().Should().Be("Table");
        table["apiVersion"]!.GetValue<string>().Should().Be("meta.k8s.io/v1");
        table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).Should().Equal("Name", "Model", "Replicas", "Ready", "Age");
        var rows = table["rows"]!.AsArray();
        var first = rows[0]!["cells"]!.AsArray();
        first[0]!.GetValue<string>().Should().Be("g1");
        first[1]!.GetValue<string>().Should().Be("tiny");
        first[2]!.GetValue<long>().Should().Be(3);
        first[3]!.GetValue<string>().Should().Be("True");
        first[4]!.GetValue<string>().Should().MatchRegex("^[0-9]+s$");
        rows[1]!["cells"]![3].Should().BeNull("g2 has no Ready condition");
        rows[0]!["object"]!["kind"]!.GetValue<string>().Should().Be("PartialObjectMetadata");
    }

    [Fact]
    public async Task Table_output_for_a_resource_without_printer_columns_is_Name_and_Age()
    {
        await _api.CreateAsync(Crds, CustomResources.RealmCrdJson);
        await _api.CreateAsync("/apis/example.test/v1/realms", """{"metadata":{"name":"r1"}}""");

        var (_, table) = await _api.SendAsync(HttpMethod.Get, "/apis/example.test/v1/realms/r1", accept: TableAccept);
        var (_, builtIn) = await _api.SendAsync(HttpMethod.Get, "/api/v1/namespaces", accept: TableAccept);

        table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).Should().Equal("Name", "Age");
        table["rows"]!.AsArray().Should().ContainSingle();
        builtIn["rows"]!.AsArray().Should().HaveCountGreaterThanOrEqualTo(4);
    }

    [Fact]
    public async Task Writes_are_pruned_to_the_schema_and_defaulted()
    {
        await _api.CreateAsync(Crds, CustomResources.SprocketCrdJson);

        var created = await _api.CreateAsync(CustomResources.Sprockets, """
            {"apiVersion":"example.test/v1","kind":"Sprocket","metadata":{"name":"s1"},"top":"pruned",
             "spec":{"model":"m","unknown":1,"port":"http","labels":{"a":"b"},"extra":{"anything":{"goes":true}}}}
            """);
        _api.Emulator.UpdateStatus("example.test/v1", "sprockets", "default", "s1", s =>
        {
            s["phase"] = "Running";
            s["undeclared"] = "pruned";
        });

        created["top"].Should().BeNull();
        created["spec"]!.ToJsonString().Should().Be(
            """{"model":"m","port":"http","labels":{"a":"b"},"extra":{"anything":{"goes":true}},"size":1,"mode":"safe"}""");
        _api.Emulator.GetObject("example.test/v1", "sprockets", "default", "s1")!["status"]!.ToJsonString().Should().Be("""{"phase":"Running"}""");
    }

    [Fact]
    public async Task Writes_that_break_the_schema_are_422_listing_every_field()
    {
        await _api.CreateAsync(Crds, CustomResources.SprocketCrdJson);

        var (status, body) = await _api.PostAsync(CustomResources.Sprockets, JsonNode.Parse("""
            {"metadata":{"name":"bad"},"spec":{"size":"big","mode":"turbo","port":true,"tags":["a","b","c"],"labels":{"n":1}}}
            """)!);

        status.Should().Be(HttpStatusCode.UnprocessableEntity);
        var message = body["message"]!.GetValue<string>();
        message.Should().StartWith("Sprocket.example.test \"bad\" is invalid: [");
        message.Should().ContainAll(
            "spec.model: Required value",
            "spec.size in body must be of type integer",
            "spec.mode: Unsupported value: \"turbo\"",
            "spec.port: Invalid value: must be an integer or a string",
            "spec.tags: Too long",
            "spec.labels.n in body must be of type string");
    }

    [Fact]
    public async Task Strict_field_validation_rejects_undeclared_fields_and_dry_run_stores_nothing()
    {
        await _api.CreateAsync(Crds, CustomResources.SprocketCrdJson);
        var body = JsonNode.Parse("""{"apiVersion":"example.test/v1","kind":"Sprocket","metadata":{"name":"s1"},"spec":{"model":"m","bogus":1}}""")!;

        var (strict, error) = await _api.PostAsync(CustomResources.Sprockets + "?fieldValidation=Strict", body);
        var (dryRun, preview) = await _api.PostAsync(CustomResources.Sprockets + "?dryRun=All", body);
        var (afterDryRun, _) = await _api.GetAsync(CustomResources.Sprockets + "/s1");

        strict.Should().Be(HttpStatusCode.BadRequest);
        error["message"]!.GetValue<string>().Should().Contain("strict decoding error: unknown field \"spec.bogus\"");
        dryRun.Should().Be(HttpStatusCode.Created);
        preview["spec"]!["size"]!.GetValue<int>().Should().Be(1);
        afterDryRun.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Schema_bounds_are_enforced_on_updates_too()
    {
        await _api.CreateAsync(Crds, CustomResources.SprocketCrdJson);
        await _api.CreateAsync(CustomResources.Sprockets, """{"metadata":{"name":"s1"},"spec":{"model":"m"}}""");

        var (status, body) = await _api.PatchAsync(CustomResources.Sprockets + "/s1", """{"spec":{"size":11}}""", "application/merge-patch+json");

        status.Should().Be(HttpStatusCode.UnprocessableEntity);
        body["message"]!.GetValue<string>().Should().Contain("spec.size in body should be less than or equal to 10");
    }

    [Fact]
    public async Task OpenApi_v3_advertises_server_side_field_validation_for_every_kind()
    {
        await _api.CreateAsync(Crds, CustomResources.GadgetCrdJson);

        var (_, root) = await _api.GetAsync("/openapi/v3");
        var url = root["paths"]!["apis/example.test/v1"]!["serverRelativeURL"]!.GetValue<string>();
        var (_, document) = await _api.GetAsync(url);

        var patch = document["paths"]!["/apis/example.test/v1/namespaces/{namespace}/gadgets/{name}"]!["patch"]!;
        patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>().Should().Be("Gadget");
        patch["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Contain("fieldValidation");
    }
}
