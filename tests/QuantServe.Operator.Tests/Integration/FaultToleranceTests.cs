using QuantServe.Operator.Builders;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Integration;

public class FaultToleranceTests
{
    [Fact]
    public async Task UnderInjectedFaults_TheOperatorConverges_AndCreatesExactlyOneCalibrationJob()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        const string name = "qwen-gptq-calibrated";
        var sample = Samples.LoadInferenceService("inferenceservice-gptq-calibrated");
        var qjob = ChildNames.QuantizationJob(name, CalibrationHash.Compute(sample.Spec.Model, sample.Spec.Quantization!));

        // Faults from the very start: failed and slow creates, status conflicts, a slow list.
        env.Emulator.Faults.FailNext(3, 500, "POST", "/jobs");
        env.Emulator.Faults.FailNext(2, 500, "POST", "/quantizationjobs");
        env.Emulator.Faults.FailNext(3, 409, "PUT", "/status");
        env.Emulator.Faults.DelayNext(4, TimeSpan.FromMilliseconds(400), "POST", "/jobs");
        env.Emulator.Faults.DelayNext(2, TimeSpan.FromMilliseconds(400), "GET", "/deployments");
        var host = env.StartOperator("faulty", workers: 4);
        await env.CreateSampleAsync("inferenceservice-gptq-calibrated");

        await OperatorTestEnvironment.WaitUntilAsync(() => env.BatchJob(qjob) is not null, "the calibration Job exists");
        // Watches dropped and history compacted: the informers must resume or relist (410).
        env.Emulator.Faults.DropWatches();
        env.Emulator.CompactHistory();
        env.Emulator.Faults.FailNext(2, 500, "GET", "watch=true");
        env.Emulator.Faults.DropWatches();

        env.FinishCalibrationJob(qjob, succeeded: true, "{\"perplexity\":{\"base\":10.0,\"quantized\":10.1}}");
        env.Emulator.Faults.FailNext(2, 409, "PUT", "/deployments/");
        env.Emulator.Faults.FailNext(2, 500, "POST", "/deployments");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment(name) is not null, "the Deployment exists", TimeSpan.FromSeconds(45));
        env.Emulator.Faults.DropWatches();
        env.Emulator.CompactHistory();
        env.MarkDeploymentAvailable(name);
        await OperatorTestEnvironment.WaitUntilAsync(
            () => OperatorTestEnvironment.ConditionStatus(env.InferenceService(name), "Ready") == "True", "Ready is True", TimeSpan.FromSeconds(45));

        var requests = env.Emulator.Requests;
        requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs") && r.StatusCode == 201).Should().Be(1, "one calibration, one Job");
        requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/quantizationjobs") && r.StatusCode == 201).Should().Be(1);
        requests.Should().Contain(r => r.IsWatch && r.StatusCode == 410 || r.IsWatch && r.StatusCode == 500,
            "the informers met the injected watch failures and recovered");
        requests.Count(r => r.Method == "POST" && r.Path.EndsWith("/jobs") && r.StatusCode >= 500).Should().BeGreaterThan(0);
        var metrics = host.Metrics.Render();
        metrics.Should().Contain("reason=\"expired\"", "the informers relisted after 410");
        metrics.Should().Contain("reason=\"closed\"", "the informers resumed dropped watches");
        metrics.Should().Contain("quantserve_operator_reconcile_errors_total");
    }
}
