using System.Text.Json.Nodes;
using QuantServe.KubeEmulator;

namespace QuantServe.Operator.Tests.Emulator;

/// <summary>kubectl, as a user runs it, against the emulator: apply a CRD and a resource, get, wait, delete.</summary>
public sealed class EmulatorKubectlTests : IAsyncLifetime
{
    private const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.test
        spec:
          group: example.test
          names:
            plural: widgets
            singular: widget
            kind: Widget
            shortNames: [wd]
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-preserve-unknown-fields: true
            subresources:
              status: {}
            additionalPrinterColumns:
            - name: Size
              type: integer
              jsonPath: .spec.size
            - name: Ready
              type: string
              jsonPath: .status.conditions[?(@.type=="Ready")].status
            - name: Age
              type: date
              jsonPath: .metadata.creationTimestamp
        """;

    private const string Widget = """
        apiVersion: example.test/v1
        kind: Widget
        metadata:
          name: w1
        spec:
          size: 3
        """;

    private readonly string _work = Path.Combine(Path.GetTempPath(), "kube-emulator-" + Guid.NewGuid().ToString("N"));
    private KubeApiEmulator _emulator = null!;
    private KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_work);
        _emulator = await KubeApiEmulator.StartAsync();
        _kubectl = new KubectlRunner(_work, _emulator.WriteKubeconfig(Path.Combine(_work, "kubeconfig")));
        await File.WriteAllTextAsync(Path.Combine(_work, "crd.yaml"), WidgetCrd);
        await File.WriteAllTextAsync(Path.Combine(_work, "widget.yaml"), Widget);
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Kubectl_applies_a_CRD_and_a_resource_prints_columns_waits_for_Ready_and_deletes()
    {
        await Ok("apply", "-f", "crd.yaml");
        var applied = await Ok("apply", "-f", "widget.yaml");
        var listed = await Ok("get", "widgets");

        var wait = _kubectl.RunAsync("wait", "--for=condition=Ready", "widget/w1", "--timeout=20s");
        await WaitUntilAsync(() => _emulator.Requests.Any(r => r.IsWatch && r.Path.EndsWith("/widgets", StringComparison.Ordinal)) || wait.IsCompleted);
        _emulator.UpdateStatus("example.test/v1", "widgets", "default", "w1", status => status["conditions"] = new JsonArray(new JsonObject
        {
            ["type"] = "Ready",
            ["status"] = "True",
            ["reason"] = "Tested",
            ["message"] = "set by the test",
            ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
        }));
        var (waitCode, waitOutput, waitError) = await wait;
        var ready = await Ok("get", "wd", "w1");
        var deleted = await Ok("delete", "widget", "w1");
        var (afterCode, _, afterError) = await _kubectl.RunAsync("get", "widget", "w1");

        applied.Should().Contain("widget.example.test/w1 created");
        var lines = listed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("NAME", "SIZE", "READY", "AGE");
        lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2].Should().Equal("w1", "3");
        waitCode.Should().Be(0, waitError);
        waitOutput.Should().Contain("condition met");
        ready.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..3].Should().Equal("w1", "3", "True");
        deleted.Should().Contain("\"w1\" deleted");
        afterCode.Should().NotBe(0);
        afterError.Should().Contain("NotFound");
    }

    [Fact]
    public async Task Kubectl_reapplies_changes_as_patches_and_server_side_apply_works()
    {
        await Ok("apply", "-f", "crd.yaml");
        await Ok("apply", "-f", "widget.yaml");
        await File.WriteAllTextAsync(Path.Combine(_work, "widget.yaml"), Widget.Replace("size: 3", "size: 5", StringComparison.Ordinal));

        var configured = await Ok("apply", "-f", "widget.yaml");
        var serverSide = await Ok("apply", "--server-side", "-f", "widget.yaml");
        var generation = await Ok("get", "widget", "w1", "-o", "jsonpath={.metadata.generation} {.spec.size}");

        configured.Should().Contain("configured");
        serverSide.Should().Contain("serverside-applied");
        generation.Should().Be("2 5");
        _emulator.Requests.Should().Contain(r => r.Method == "PATCH" && r.ContentType == "application/merge-patch+json");
    }

    private async Task<string> Ok(params string[] arguments)
    {
        var (code, output, error) = await _kubectl.RunAsync(arguments);
        code.Should().Be(0, $"kubectl {string.Join(' ', arguments)} failed: {error}");
        return output;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(20);
        }
    }
}
