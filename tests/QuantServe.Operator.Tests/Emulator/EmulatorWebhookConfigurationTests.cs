using System.Net;
using System.Text.Json.Nodes;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>admissionregistration.k8s.io/v1 webhook configurations: cluster-scoped, stored as written.</summary>
public sealed class EmulatorWebhookConfigurationTests : IAsyncLifetime
{
    private const string Validating = "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations";
    private KubeHttp _api = null!;

    public async Task InitializeAsync() => _api = await KubeHttp.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Discovery_lists_both_kinds_as_cluster_scoped()
    {
        var (status, list) = await _api.GetAsync("/apis/admissionregistration.k8s.io/v1");

        status.Should().Be(HttpStatusCode.OK);
        var resources = list["resources"]!.AsArray().Select(r => r!.AsObject()).ToList();
        resources.Select(r => r["name"]!.GetValue<string>()).Should().Contain(["validatingwebhookconfigurations", "mutatingwebhookconfigurations"]);
        resources.Should().OnlyContain(r => !r["namespaced"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_configuration_is_created_read_and_replaced_with_a_resource_version_check()
    {
        var created = await _api.CreateAsync(Validating, """{"metadata":{"name":"v"},"webhooks":[{"name":"a.example.dev","clientConfig":{}}]}""");
        var stale = (JsonObject)created.DeepClone();
        created["webhooks"]![0]!["clientConfig"]!["caBundle"] = "Q0E=";

        var (replaced, _) = await _api.PutAsync(Validating + "/v", created);
        var (conflict, _) = await _api.PutAsync(Validating + "/v", stale);
        var (read, body) = await _api.GetAsync(Validating + "/v");

        replaced.Should().Be(HttpStatusCode.OK);
        conflict.Should().Be(HttpStatusCode.Conflict);
        read.Should().Be(HttpStatusCode.OK);
        body["webhooks"]![0]!["clientConfig"]!["caBundle"]!.GetValue<string>().Should().Be("Q0E=");
        body["metadata"]!.AsObject().Should().NotContainKey("namespace");
    }

    [Fact]
    public async Task A_namespaced_path_is_refused()
    {
        var (status, _) = await _api.PostAsync("/apis/admissionregistration.k8s.io/v1/namespaces/default/mutatingwebhookconfigurations", JsonNode.Parse("""{"metadata":{"name":"m"}}""")!);

        status.Should().Be(HttpStatusCode.NotFound);
    }
}
