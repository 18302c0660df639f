using System.Text.Json.Nodes;
using QuantServe.Operator.Builders;

namespace QuantServe.Operator.Tests.Integration;

public class InferenceServiceIntegrationTests
{
    [Fact]
    public async Task Sample_ConvergesToReady_WithClaimDeploymentServiceStatusAndEvents()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        var host = env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-none");

        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("qwen-none") is not null, "the Deployment exists");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Emulator.GetObject("v1", "services", "default", "qwen-none") is not null, "the Service exists");
        env.Emulator.GetObject("v1", "persistentvolumeclaims", "default", "qwen-none-model-cache").Should().NotBeNull();
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.InferenceService("qwen-none")?["status"]?["phase"]?.GetValue<string>() == "Deploying", "the phase is Deploying");

        env.MarkDeploymentAvailable("qwen-none");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionStatus(env.InferenceService("qwen-none"), "Ready") == "True", "Ready is True");

        var service = env.InferenceService("qwen-none")!;
        var status = service["status"]!;
        status["phase"]!.GetValue<string>().Should().Be("Ready");
        status["observedGeneration"]!.GetValue<long>().Should().Be(service["metadata"]!["generation"]!.GetValue<long>());
        status["url"]!.GetValue<string>().Should().Be("http://qwen-none.default.svc.cluster.local");
        status["selector"]!.GetValue<string>().Should().Contain("quantserve.dev/inference-service=qwen-none");
        OperatorTestEnvironment.ConditionStatus(service, "Progressing").Should().Be("False");
        OperatorTestEnvironment.ConditionStatus(service, "Degraded").Should().Be("False");
        OperatorTestEnvironment.ConditionStatus(service, "Quantized").Should().Be("True");
        env.Emulator.Requests.Should().Contain(r => r.Method == "PUT" && r.Path.EndsWith("/inferenceservices/qwen-none/status") && r.StatusCode == 200);
        env.Emulator.Requests.Should().Contain(r => r.Method == "POST" && r.Path.EndsWith("/events") && r.StatusCode == 201);

        // A spec change rolls out: the Deployment follows and Ready waits for the new generation.
        var updated = (JsonObject)service.DeepClone();
        updated["spec"]!["replicas"] = 3;
        updated.Remove("status");
        await env.Api.ReplaceAsync(QuantServe.Operator.Controllers.QuantServeResources.InferenceServices, updated, CancellationToken.None);
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("qwen-none")?["spec"]?["replicas"]?.GetValue<int>() == 3, "the Deployment has 3 replicas");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionStatus(env.InferenceService("qwen-none"), "Ready") == "False", "Ready drops during the rollout");
        env.MarkDeploymentAvailable("qwen-none");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.InferenceService("qwen-none")?["status"]?["readyReplicas"]?.GetValue<int>() == 3
                  && OperatorTestEnvironment.ConditionStatus(env.InferenceService("qwen-none"), "Ready") == "True", "3 replicas ready");

        using var http = new HttpClient { BaseAddress = host.HttpAddress };
        (await http.GetStringAsync("/healthz")).Should().Be("ok");
        (await http.GetStringAsync("/readyz")).Should().Be("ok");
        var metrics = await http.GetStringAsync("/metrics");
        metrics.Should().Contain("quantserve_operator_reconcile_total{controller=\"inferenceservice\",result=");
        metrics.Should().Contain("quantserve_operator_queue_depth{controller=\"inferenceservice\"}");
        metrics.Should().Contain("quantserve_operator_leader{identity=\"only\"} 1");
    }

    [Fact]
    public async Task UnschedulablePods_SurfaceInTheReadyCondition()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-awq");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("mistral-awq") is not null, "the Deployment exists");
        var labels = ChildLabels.ForInferenceService("mistral-awq", "server");
        env.Emulator.PutObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = "mistral-awq-5d8f-abcde",
                ["namespace"] = "default",
                ["labels"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(labels)),
            },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "server", ["image"] = "x" }) },
            ["status"] = new JsonObject
            {
                ["phase"] = "Pending",
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "PodScheduled",
                    ["status"] = "False",
                    ["reason"] = "Unschedulable",
                    ["message"] = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
                }),
            },
        });
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionField(env.InferenceService("mistral-awq"), "Ready", "reason") == "Unschedulable",
            "Ready says Unschedulable");
        var service = env.InferenceService("mistral-awq");
        OperatorTestEnvironment.ConditionField(service, "Ready", "message").Should().Contain("Insufficient nvidia.com/gpu");
        OperatorTestEnvironment.ConditionStatus(service, "Degraded").Should().Be("True");
        service!["status"]!["phase"]!.GetValue<string>().Should().Be("Deploying");
    }

    [Fact]
    public async Task Deletion_RemovesOwnedChildren_ButKeepsTheModelCacheClaim()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-none");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.Deployment("qwen-none") is not null && env.Emulator.GetObject("v1", "services", "default", "qwen-none") is not null,
            "the children exist");
        await env.Api.DeleteAsync(QuantServe.Operator.Controllers.QuantServeResources.InferenceServices, "default", "qwen-none", CancellationToken.None);
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.Deployment("qwen-none") is null && env.Emulator.GetObject("v1", "services", "default", "qwen-none") is null,
            "garbage collection removes the Deployment and the Service");
        env.Emulator.GetObject("v1", "persistentvolumeclaims", "default", "qwen-none-model-cache").Should().NotBeNull(
            "a downloaded model cache is kept unless storage.deleteOnRemoval");
    }
}
