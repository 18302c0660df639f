using System.Diagnostics;
using QuantServe.Operator.Tests.Support;

namespace QuantServe.Operator.Tests.Integration;

/// <summary>kubectl, a real client, against the emulator with the operator running: what a user types.</summary>
public class KubectlTests
{
    [Fact]
    public async Task Kubectl_AppliesCrdsAndSamples_ShowsPrinterColumns_AndWaitsForReady()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        env.StartOperator("only");

        (await KubectlAsync(env, "apply", "-f", RepositoryRoot.Combine("crds"))).Should().Contain("inferenceservices.quantserve.dev");
        (await KubectlAsync(env, "apply", "-f", Path.Combine(Samples.Directory, "inferenceservice-awq.yaml")))
            .Should().Contain("inferenceservice.quantserve.dev/mistral-awq created");

        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("mistral-awq") is not null, "the Deployment exists");
        env.MarkDeploymentAvailable("mistral-awq");
        await KubectlAsync(env, "wait", "--for=condition=Ready", "inferenceservice/mistral-awq", "--timeout=30s");

        var table = await KubectlAsync(env, "get", "isvc");
        var header = table.Split('\n')[0];
        header.Should().MatchRegex(@"NAME\s+MODEL\s+QUANTIZE\s+SHARDS\s+READY\s+PHASE\s+URL\s+AGE");
        table.Should().MatchRegex(@"mistral-awq\s+TheBloke/Mistral-7B-Instruct-v0.2-AWQ\s+awq\s+2\s+True\s+Ready\s+http://mistral-awq.default.svc.cluster.local");

        // The scale subresource: what HPA and `kubectl scale` use.
        await KubectlAsync(env, "scale", "inferenceservice/mistral-awq", "--replicas=3");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("mistral-awq")?["spec"]?["replicas"]?.GetValue<int>() == 3, "the Deployment scales to 3");
    }

    private static async Task<string> KubectlAsync(OperatorTestEnvironment env, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(env.Kubeconfig);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        process.ExitCode.Should().Be(0, $"kubectl {string.Join(' ', args)} failed: {await stderr}{await stdout}");
        return await stdout;
    }
}
