using QuantServe.Operator.Builders;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Integration;

public class CalibrationIntegrationTests
{
    private const string Name = "qwen-gptq-calibrated";

    private static string QuantizationJobName()
    {
        var sample = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        return ChildNames.QuantizationJob(Name, CalibrationHash.Compute(sample.Spec.Model, sample.Spec.Quantization!));
    }

    [Fact]
    public async Task Calibration_RunsOneJob_AndServingWaitsForItsSuccess()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-gptq-calibrated");
        var qjob = QuantizationJobName();

        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(qjob) is not null, "the calibration Job exists");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.InferenceService(Name)?["status"]?["phase"]?.GetValue<string>() == "Quantizing", "the phase is Quantizing");
        env.Deployment(Name).Should().BeNull("serving waits for the calibration");
        OperatorTestEnvironment.ConditionStatus(env.InferenceService(Name), "Quantized").Should().Be("False");

        env.FinishCalibrationJob(qjob, succeeded: true,
            $"{{\"outputPath\":\"quantized/x\",\"perplexity\":{{\"base\":10.0,\"quantized\":10.3}}}}");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.QuantizationJob(qjob)?["status"]?["phase"]?.GetValue<string>() == "Succeeded", "the QuantizationJob Succeeded");
        var qstatus = env.QuantizationJob(qjob)!["status"]!;
        qstatus["perplexity"]!["quantized"]!.GetValue<double>().Should().Be(10.3);
        qstatus["outputPath"]!.GetValue<string>().Should().StartWith($"pvc://{Name}-model-cache/quantized/");

        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment(Name) is not null, "the Deployment exists");
        var args = env.Deployment(Name)!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        args.Should().ContainInOrder("--model-id", "/data/" + QuantizationJobBuilder.OutputPath(qjob[(Name.Length + 6)..]));
        env.MarkDeploymentAvailable(Name);
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionStatus(env.InferenceService(Name), "Ready") == "True", "Ready is True");
        var status = env.InferenceService(Name)!["status"]!;
        status["quantizedModel"]!.GetValue<string>().Should().Be(qstatus["outputPath"]!.GetValue<string>());
        OperatorTestEnvironment.ConditionStatus(env.InferenceService(Name), "Quantized").Should().Be("True");

        env.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs") && r.StatusCode == 201).Should().Be(1);
    }

    [Fact]
    public async Task RecalibrationFailingTheGate_KeepsThePreviousRolloutServing()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-gptq-calibrated");
        var first = QuantizationJobName();
        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(first) is not null, "the first calibration Job exists");
        env.FinishCalibrationJob(first, succeeded: true, "{\"perplexity\":{\"base\":10.0,\"quantized\":10.2}}");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment(Name) is not null, "the Deployment exists");
        env.MarkDeploymentAvailable(Name);
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionStatus(env.InferenceService(Name), "Ready") == "True", "Ready is True");
        var servedArgs = env.Deployment(Name)!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.ToJsonString();

        // New calibration inputs: a second run, whose quality gate fails.
        var service = env.InferenceService(Name)!;
        service["spec"]!["quantization"]!["seed"] = 7;
        service.Remove("status");
        await env.Api.ReplaceAsync(QuantServe.Operator.Controllers.QuantServeResources.InferenceServices, service, CancellationToken.None);
        var sample = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        sample.Spec.Quantization!.Seed = 7;
        var second = ChildNames.QuantizationJob(Name, CalibrationHash.Compute(sample.Spec.Model, sample.Spec.Quantization));
        second.Should().NotBe(first);
        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(second) is not null, "the second calibration Job exists");
        env.FinishCalibrationJob(second, succeeded: true, "{\"perplexity\":{\"base\":10.0,\"quantized\":15.0}}");

        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionField(env.InferenceService(Name), "Degraded", "reason") == "QualityGateFailed", "the gate fails");
        OperatorTestEnvironment.ConditionField(env.InferenceService(Name), "Ready", "message").Should().Contain("previous rollout keeps serving");
        env.Deployment(Name)!["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.ToJsonString().Should().Be(servedArgs);
        env.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs") && r.StatusCode == 201).Should().Be(2);
    }

    [Fact]
    public async Task QualityGateFailure_BlocksTheRollout_AndReportsDegraded()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("inferenceservice-gptq-calibrated");
        var qjob = QuantizationJobName();
        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(qjob) is not null, "the calibration Job exists");

        env.FinishCalibrationJob(qjob, succeeded: true, "{\"outputPath\":\"q\",\"perplexity\":{\"base\":10.0,\"quantized\":12.0}}");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionField(env.InferenceService(Name), "Degraded", "reason") == "QualityGateFailed",
            "Degraded says QualityGateFailed");
        var service = env.InferenceService(Name);
        OperatorTestEnvironment.ConditionStatus(service, "Degraded").Should().Be("True");
        OperatorTestEnvironment.ConditionField(service, "Degraded", "message").Should().Contain("+20%").And.Contain("maxPerplexityIncreasePercent 5");
        service!["status"]!["phase"]!.GetValue<string>().Should().Be("Failed");
        env.Deployment(Name).Should().BeNull("a failed quality gate never rolls out");
    }

    [Fact]
    public async Task FailedCalibration_ReportsTheLastLogLines_AndIsNeverRetriedByANewJob()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");
        await env.CreateSampleAsync("quantizationjob");
        const string qjob = "llama-3b-gptq-3bit";
        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(qjob) is not null, "the calibration Job exists");
        env.Emulator.GetObject("v1", "persistentvolumeclaims", "default", qjob + "-output").Should().NotBeNull();

        env.FinishCalibrationJob(qjob, succeeded: false, "layer 12: Cholesky failed: matrix is not positive definite\n");
        await OperatorTestEnvironment.WaitUntilAsync(
            () => env.QuantizationJob(qjob)?["status"]?["phase"]?.GetValue<string>() == "Failed", "the QuantizationJob Failed");
        OperatorTestEnvironment.ConditionField(env.QuantizationJob(qjob), "Failed", "message").Should().Contain("Cholesky failed");

        // Deleting the finished Job must not start a second run.
        await env.Api.DeleteAsync(QuantServe.Operator.Runtime.KubeResource.Jobs, "default", qjob, CancellationToken.None);
        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(qjob) is null, "the Job is gone");
        await Task.Delay(1500);
        env.BatchJob(qjob).Should().BeNull();
        env.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs") && r.StatusCode == 201).Should().Be(1);
    }
}
