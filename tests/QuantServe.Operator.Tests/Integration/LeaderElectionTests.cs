namespace QuantServe.Operator.Tests.Integration;

public class LeaderElectionTests
{
    [Fact]
    public async Task TwoInstances_OneLeads_AndTheStandbyTakesOverWhenTheLeaderStops()
    {
        await using var env = await OperatorTestEnvironment.StartAsync();
        var first = env.StartOperator("operator-a");
        var second = env.StartOperator("operator-b");
        await OperatorTestEnvironment.WaitUntilAsync(() => first.IsLeader || second.IsLeader, "one instance leads");
        await Task.Delay(1000);
        (first.IsLeader && second.IsLeader).Should().BeFalse("only one instance may lead");
        var (leader, standby) = first.IsLeader ? (first, second) : (second, first);
        var lease = env.Emulator.GetObject("coordination.k8s.io/v1", "leases", "default", "quantserve-operator");
        lease!["spec"]!["holderIdentity"]!.GetValue<string>().Should().Be(leader.Identity);

        await env.StopOperatorAsync(leader);
        await OperatorTestEnvironment.WaitUntilAsync(() => standby.IsLeader, "the standby leads", TimeSpan.FromSeconds(20));

        // The new leader reconciles.
        await env.CreateSampleAsync("inferenceservice-eetq");
        await OperatorTestEnvironment.WaitUntilAsync(() => env.Deployment("qwen7b-eetq") is not null, "the new leader creates the Deployment");
    }
}
