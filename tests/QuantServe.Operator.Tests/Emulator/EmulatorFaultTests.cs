using System.Net;

namespace QuantServe.Operator.Tests.Emulator;

public sealed class EmulatorFaultTests : IAsyncLifetime
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task FailNext_fails_only_matching_requests_the_given_number_of_times()
    {
        _api.Emulator.Faults.FailNext(2, 500, method: "POST", pathContains: "/configmaps");

        var (getStatus, _) = await _api.GetAsync(ConfigMaps);
        var (first, body) = await _api.PostAsync(ConfigMaps, KubeHttp.Configmap("a"));
        var (second, _) = await _api.PostAsync(ConfigMaps, KubeHttp.Configmap("a"));
        var (third, _) = await _api.PostAsync(ConfigMaps, KubeHttp.Configmap("a"));

        getStatus.Should().Be(HttpStatusCode.OK);
        first.Should().Be(HttpStatusCode.InternalServerError);
        body["kind"]!.GetValue<string>().Should().Be("Status");
        body["reason"]!.GetValue<string>().Should().Be("InternalError");
        second.Should().Be(HttpStatusCode.InternalServerError);
        third.Should().Be(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_injected_409_reads_as_a_Conflict_and_changes_nothing()
    {
        await _api.CreateAsync(ConfigMaps, KubeHttp.Configmap("a").ToJsonString());
        _api.Emulator.Faults.FailNext(1, 409, method: "PATCH");

        var (status, body) = await _api.PatchAsync(ConfigMaps + "/a", """{"data":{"k":"changed"}}""", "application/merge-patch+json");

        status.Should().Be(HttpStatusCode.Conflict);
        body["reason"]!.GetValue<string>().Should().Be("Conflict");
        _api.Emulator.GetObject("v1", "configmaps", "default", "a")!["data"]!["k"]!.GetValue<string>().Should().Be("v");
    }

    [Fact]
    public async Task DelayNext_holds_a_matching_request_while_others_are_served_and_then_serves_it()
    {
        _api.Emulator.Faults.DelayNext(1, TimeSpan.FromSeconds(2), pathContains: "/namespaces/default/configmaps");

        var delayed = _api.GetAsync(ConfigMaps);
        var (other, _) = await _api.GetAsync("/api/v1/namespaces");
        var heldWhileOtherServed = !delayed.IsCompleted;
        var (status, _) = await delayed;

        other.Should().Be(HttpStatusCode.OK);
        heldWhileOtherServed.Should().BeTrue();
        status.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Requests_are_recorded_with_method_path_query_and_status()
    {
        await _api.CreateAsync("/apis/batch/v1/namespaces/default/jobs", """{"metadata":{"name":"j"},"spec":{"template":{"spec":{"containers":[]}}}}""");
        await _api.GetAsync("/apis/batch/v1/namespaces/default/jobs?labelSelector=a%3Db");

        var requests = _api.Emulator.Requests;

        requests.Should().ContainSingle(r => r.Method == "POST" && r.Path == "/apis/batch/v1/namespaces/default/jobs" && r.StatusCode == 201);
        requests.Should().ContainSingle(r => r.Method == "GET" && r.Query == "?labelSelector=a%3Db" && r.StatusCode == 200);
    }

    [Fact]
    public void FailNext_rejects_a_status_that_is_not_an_error()
    {
        var act = () => _api.Emulator.Faults.FailNext(1, 200);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*HTTP error status*");
    }
}
