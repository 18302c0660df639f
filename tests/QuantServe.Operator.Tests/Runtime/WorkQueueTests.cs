using QuantServe.Operator.Runtime;

namespace QuantServe.Operator.Tests.Runtime;

public class WorkQueueTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task SameKeyAddedTwice_IsQueuedOnce()
    {
        using var queue = new WorkQueue();
        queue.Add("ns/a");
        queue.Add("ns/a");
        queue.Add("ns/b");
        queue.Depth.Should().Be(2);
        (await queue.TakeAsync(CancellationToken.None)).Should().Be("ns/a");
        (await queue.TakeAsync(CancellationToken.None)).Should().Be("ns/b");
    }

    [Fact]
    public async Task KeyAddedWhileProcessing_RunsAgainOnlyAfterDone()
    {
        using var queue = new WorkQueue();
        queue.Add("k");
        var key = await queue.TakeAsync(CancellationToken.None);
        queue.Add("k");
        queue.Depth.Should().Be(0, "a key being processed is never handed to a second worker");
        queue.Done(key);
        queue.Depth.Should().Be(1);
        (await queue.TakeAsync(CancellationToken.None)).Should().Be("k");
    }

    [Fact]
    public void Failures_BackOffExponentially_UntilForget()
    {
        using var queue = new WorkQueue(new ManualTime());
        queue.AddRateLimited("k").Should().Be(TimeSpan.FromMilliseconds(5));
        queue.AddRateLimited("k").Should().Be(TimeSpan.FromMilliseconds(10));
        queue.AddRateLimited("k").Should().Be(TimeSpan.FromMilliseconds(20));
        for (var i = 0; i < 30; i++) queue.AddRateLimited("k");
        queue.AddRateLimited("k").Should().Be(TimeSpan.FromSeconds(1000), "the per-key delay is capped at 1000 s");
        queue.Forget("k");
        queue.AddRateLimited("k").Should().Be(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void ManyFailingKeys_AreHeldBackByTheOverallBucket()
    {
        var time = new ManualTime();
        using var queue = new WorkQueue(time);
        for (var i = 0; i < 100; i++) queue.AddRateLimited("k" + i).Should().Be(TimeSpan.FromMilliseconds(5));
        queue.AddRateLimited("k100").Should().Be(TimeSpan.FromMilliseconds(100), "the burst of 100 is spent: one token per 100 ms");
        queue.AddRateLimited("k101").Should().Be(TimeSpan.FromMilliseconds(200));
        time.Now += TimeSpan.FromSeconds(60);
        queue.AddRateLimited("k102").Should().Be(TimeSpan.FromMilliseconds(5), "the bucket refilled");
    }

    [Fact]
    public void AddAfter_WaitsForItsTime_AndTheEarlierTimeWins()
    {
        var time = new ManualTime();
        using var queue = new WorkQueue(time);
        queue.AddAfter("k", TimeSpan.FromSeconds(30));
        queue.AddAfter("k", TimeSpan.FromSeconds(10));
        queue.PromoteDue();
        queue.Depth.Should().Be(0);
        time.Now += TimeSpan.FromSeconds(11);
        queue.PromoteDue();
        queue.Depth.Should().Be(1);
        queue.DelayedCount.Should().Be(0);
    }

    [Fact]
    public async Task TakeAsync_HonoursCancellation()
    {
        using var queue = new WorkQueue();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var act = () => queue.TakeAsync(cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }
}
