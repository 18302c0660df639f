using System.Net;
using System.Text.Json.Nodes;
using QuantServe.KubeEmulator;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorListWatchTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() =>
        _api = await KubeHttp.StartAsync(new KubeApiEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200), HistoryLimit = 50 });

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("app=web", "a,b")]
    [InlineData("app==web", "a,b")]
    [InlineData("app!=web", "c,d")]
    [InlineData("app in (web,db)", "a,b,c")]
    [InlineData("app notin (web)", "c,d")]
    [InlineData("tier", "b")]
    [InlineData("!tier", "a,c,d")]
    [InlineData("app=web,tier=front", "b")]
    public async Task Lists_filter_by_label_selector(string selector, string expected)
    {
        await SeedAsync();

        var (status, list) = await _api.GetAsync(ConfigMaps + "?labelSelector=" + Uri.EscapeDataString(selector));

        status.Should().Be(HttpStatusCode.OK);
        Names(list).Should().Equal(expected.Split(','));
    }

    [Fact]
    public async Task Lists_filter_by_field_selector_on_name_and_namespace_and_reject_other_fields()
    {
        await SeedAsync();

        var (_, byName) = await _api.GetAsync(ConfigMaps + "?fieldSelector=metadata.name%3Dc");
        var (_, notName) = await _api.GetAsync(ConfigMaps + "?fieldSelector=metadata.name!%3Dc");
        var (_, allNamespaces) = await _api.GetAsync("/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddefault");
        var (unsupported, body) = await _api.GetAsync(ConfigMaps + "?fieldSelector=data.k%3Dv");

        Names(byName).Should().Equal("c");
        Names(notName).Should().Equal("a", "b", "d");
        Names(allNamespaces).Should().HaveCount(4);
        unsupported.Should().Be(HttpStatusCode.BadRequest);
        body["message"]!.GetValue<string>().Should().Contain("field label not supported: data.k");
    }

    [Fact]
    public async Task A_list_carries_the_collection_resource_version_and_typed_items()
    {
        await SeedAsync();

        var (_, list) = await _api.GetAsync(ConfigMaps);

        list["kind"]!.GetValue<string>().Should().Be("ConfigMapList");
        var listVersion = long.Parse(list["metadata"]!["resourceVersion"]!.GetValue<string>());
        list["items"]!.AsArray().Should().OnlyContain(i =>
            i!["kind"]!.GetValue<string>() == "ConfigMap" && long.Parse(i["metadata"]!["resourceVersion"]!.GetValue<string>()) <= listVersion);
    }

    [Fact]
    public async Task A_watch_from_a_list_version_streams_added_modified_and_deleted()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("before").ToJsonString());
        var (_, list) = await _api.GetAsync(ConfigMaps);
        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&resourceVersion=" + Rv(list));

        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("x").ToJsonString());
        await _api.PatchAsync(ConfigMaps + "/x", """{"data":{"k":"2"}}""", "application/merge-patch+json");
        await _api.DeleteAsync(ConfigMaps + "/x");

        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };
        events.Select(e => e!["type"]!.GetValue<string>()).Should().Equal("ADDED", "MODIFIED", "DELETED");
        events.Should().OnlyContain(e => e!["object"]!["metadata"]!["name"]!.GetValue<string>() == "x");
        events[1]!["object"]!["data"]!["k"]!.GetValue<string>().Should().Be("2");
        events.Select(e => long.Parse(e!["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>())).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task A_watch_replays_history_after_an_old_resource_version()
    {
        var first = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("one").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("two").ToJsonString());
        await _api.DeleteAsync(ConfigMaps + "/one");

        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=1&resourceVersion=" + Rv(first));

        var replay = new[] { await watch.NextAsync(), await watch.NextAsync() };
        replay.Select(e => $"{e!["type"]} {e["object"]!["metadata"]!["name"]}").Should().Equal("ADDED two", "DELETED one");
    }

    [Fact]
    public async Task A_watch_without_a_resource_version_starts_with_the_current_objects()
    {
        await SeedAsync();

        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&labelSelector=app%3Dweb");

        var initial = new[] { await watch.NextAsync(), await watch.NextAsync() };
        initial.Select(e => $"{e!["type"]} {e["object"]!["metadata"]!["name"]}").Should().Equal("ADDED a", "ADDED b");
    }

    [Fact]
    public async Task A_watch_list_sends_initial_objects_then_an_annotated_bookmark()
    {
        await SeedAsync();

        using var watch = await _api.WatchAsync(
            ConfigMaps + "?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&labelSelector=app%3Ddb");
        var added = await watch.NextAsync();
        var end = await watch.NextAsync();

        added!["type"]!.GetValue<string>().Should().Be("ADDED");
        added["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("c");
        end!["type"]!.GetValue<string>().Should().Be("BOOKMARK");
        end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>().Should().Be("true");
    }

    [Fact]
    public async Task A_watch_with_a_label_selector_sees_objects_enter_and_leave_it()
    {
        var (_, list) = await _api.GetAsync(ConfigMaps);
        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&labelSelector=app%3Dweb&resourceVersion=" + Rv(list));

        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("m", labels: """{"app":"db"}""").ToJsonString());
        await _api.PatchAsync(ConfigMaps + "/m", """{"metadata":{"labels":{"app":"web"}}}""", "application/merge-patch+json");
        await _api.PatchAsync(ConfigMaps + "/m", """{"metadata":{"labels":{"app":"db"}}}""", "application/merge-patch+json");

        var events = new[] { await watch.NextAsync(), await watch.NextAsync() };
        events.Select(e => e!["type"]!.GetValue<string>()).Should().Equal("ADDED", "DELETED");
    }

    [Fact]
    public async Task A_watch_sends_bookmarks_when_asked_with_the_current_resource_version()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&allowWatchBookmarks=true&resourceVersion=" + Rv(created));

        var bookmark = await watch.NextAsync();

        bookmark!["type"]!.GetValue<string>().Should().Be("BOOKMARK");
        bookmark["object"]!["kind"]!.GetValue<string>().Should().Be("ConfigMap");
        bookmark["object"]!["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be(Rv(created));
    }

    [Fact]
    public async Task A_watch_from_a_compacted_version_gets_an_ERROR_event_with_410_Expired()
    {
        var created = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("b").ToJsonString());
        _api.Emulator.CompactHistory();

        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&resourceVersion=" + Rv(created));
        var error = await watch.NextAsync();
        var end = await watch.NextAsync();

        error!["type"]!.GetValue<string>().Should().Be("ERROR");
        error["object"]!["kind"]!.GetValue<string>().Should().Be("Status");
        error["object"]!["code"]!.GetValue<int>().Should().Be(410);
        error["object"]!["reason"]!.GetValue<string>().Should().Be("Expired");
        end.Should().BeNull("the stream ends after the error");
    }

    [Fact]
    public async Task History_beyond_the_limit_expires_old_versions()
    {
        var first = await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("first").ToJsonString());
        for (var i = 0; i < 60; i++)
        {
            await _api.PatchAsync(ConfigMaps + "/first", "{\"data\":{\"k\":\"" + i + "\"}}", "application/merge-patch+json");
        }

        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&resourceVersion=" + Rv(first));

        (await watch.NextAsync())!["object"]!["code"]!.GetValue<int>().Should().Be(410);
    }

    [Fact]
    public async Task A_watch_ends_after_timeoutSeconds()
    {
        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&timeoutSeconds=1");

        (await watch.NextAsync()).Should().BeNull();
    }

    [Fact]
    public async Task DropWatches_ends_every_open_stream()
    {
        var (_, list) = await _api.GetAsync(ConfigMaps);
        using var first = await _api.WatchAsync(ConfigMaps + "?watch=true&resourceVersion=" + Rv(list));
        using var second = await _api.WatchAsync("/api/v1/pods?watch=true&resourceVersion=" + Rv(list));

        _api.Emulator.Faults.DropWatches();

        (await first.NextAsync()).Should().BeNull();
        (await second.NextAsync()).Should().BeNull();
    }

    [Fact]
    public async Task A_watch_on_one_object_by_field_selector_sees_only_it()
    {
        var (_, list) = await _api.GetAsync(ConfigMaps);
        using var watch = await _api.WatchAsync(ConfigMaps + "?watch=true&fieldSelector=metadata.name%3Dmine&resourceVersion=" + Rv(list));

        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("other").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("mine").ToJsonString());

        (await watch.NextAsync())!["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("mine");
    }

    private async Task SeedAsync()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a", labels: """{"app":"web"}""").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("b", labels: """{"app":"web","tier":"front"}""").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("c", labels: """{"app":"db"}""").ToJsonString());
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("d").ToJsonString());
    }

    private static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static List<string> Names(JsonObject list) =>
        [.. list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())];
}
