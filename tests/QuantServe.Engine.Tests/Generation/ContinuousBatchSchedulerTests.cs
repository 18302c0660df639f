using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Scheduling;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tests.Support;
using QuantServe.Engine.Tokenization;
using QuantServe.Engine.Tools;

namespace QuantServe.Engine.Tests.Generation;

public sealed class ContinuousBatchSchedulerTests : IDisposable
{
    private readonly TemporaryDirectory _dir = new();
    private readonly LlamaModel _model;
    private readonly Tokenizer _tokenizer;

    public ContinuousBatchSchedulerTests()
    {
        ModelMaker.Write(_dir.Path, new ModelSpec { HiddenSize = 64, IntermediateSize = 96, Seed = 9 });
        _model = LlamaModel.Load(_dir.Path);
        _tokenizer = Tokenizer.Load(_dir.Path);
    }

    public void Dispose()
    {
        _model.Dispose();
        _dir.Dispose();
    }

    private GenerationRequest Request(string prompt, int maxNewTokens) => new()
    {
        PromptTokens = _tokenizer.Encode(prompt),
        MaxNewTokens = maxNewTokens,
        IgnoreEos = true,
        PromptLogprobs = true,
    };

    private static async Task<GenerationResult> ResultAsync(System.Threading.Channels.ChannelReader<GenerationEvent> events)
    {
        await foreach (var e in events.ReadAllAsync())
        {
            if (e is GenerationEvent.Finished f)
                return f.Result;
            if (e is GenerationEvent.Failed failed)
                throw failed.Error;
        }
        throw new InvalidOperationException("the stream ended without a result");
    }

    [Fact]
    public async Task ChunkedPrefill_GivesTheSameTokensAndPromptLogprobsAsOneChunk()
    {
        const string prompt = "a prompt long enough to be prefilled over several steps of a few tokens each";
        using var whole = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions { MaxBatchTotalTokens = 512, MaxBatchPrefillTokens = 512 });
        using var chunked = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions { MaxBatchTotalTokens = 512, MaxBatchPrefillTokens = 7 });
        var a = await ResultAsync(whole.Submit(Request(prompt, 8)));
        var b = await ResultAsync(chunked.Submit(Request(prompt, 8)));
        b.Tokens.Select(t => t.Id).Should().Equal(a.Tokens.Select(t => t.Id));
        b.Prompt!.Select(p => p.Id).Should().Equal(a.Prompt!.Select(p => p.Id));
        for (int i = 1; i < a.Prompt!.Count; i++)
            b.Prompt![i].Logprob!.Value.Should().BeApproximately(a.Prompt[i].Logprob!.Value, 1e-4f);
        chunked.Statistics.Steps.Should().BeGreaterThan(whole.Statistics.Steps);
    }

    [Fact]
    public async Task RequestsArrivingWhileOthersRun_JoinTheRunningBatch()
    {
        var batchSizes = new List<int>();
        using var scheduler = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions
        {
            MaxBatchTotalTokens = 4096,
            MaxBatchPrefillTokens = 256,
            StepCompleted = (_, size, _) => { lock (batchSizes) batchSizes.Add(size); },
        });
        var first = scheduler.Submit(Request("first", 1500));
        await first.ReadAsync(); // its first token is out: it is running (and has 1499 steps to go)
        var later = Enumerable.Range(0, 3).Select(i => scheduler.Submit(Request("later " + i, 20))).ToArray();
        var results = await Task.WhenAll(later.Select(ResultAsync).Append(ResultAsync(first)));
        results.Should().OnlyContain(r => r.Tokens.Count > 0);
        lock (batchSizes)
            batchSizes.Max().Should().BeGreaterThan(1, "later requests ran in the same steps as the first");
    }

    [Fact]
    public async Task ACancelledRequest_EndsAndFreesItsBlocks()
    {
        using var scheduler = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions { MaxBatchTotalTokens = 1024, MaxBatchPrefillTokens = 256 });
        int total = scheduler.Statistics.TotalBlocks;
        using var cancel = new CancellationTokenSource();
        var events = scheduler.Submit(Request("cancel me", 500), cancel.Token);
        await events.ReadAsync(); // the first token: it is running
        scheduler.Statistics.FreeBlocks.Should().BeLessThan(total);
        cancel.Cancel();
        var act = () => ResultAsync(events);
        await act.Should().ThrowAsync<OperationCanceledException>();
        for (int i = 0; i < 100 && scheduler.Statistics.FreeBlocks < total; i++)
            await Task.Delay(10);
        scheduler.Statistics.FreeBlocks.Should().Be(total);
    }

    [Fact]
    public void ARequestLargerThanTheWholeCache_IsRefusedAtOnce()
    {
        using var scheduler = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions { MaxBatchTotalTokens = 64, MaxBatchPrefillTokens = 64 });
        var act = () => scheduler.Submit(Request("x", 100));
        act.Should().Throw<ArgumentException>().WithMessage("*--max-batch-total-tokens is 64*");
    }

    [Fact]
    public async Task RequestsThatDoNotFitYet_WaitForBlocks_InArrivalOrder()
    {
        using var scheduler = new ContinuousBatchScheduler(_model, _tokenizer, new SchedulerOptions { MaxBatchTotalTokens = 128, MaxBatchPrefillTokens = 128 });
        // Each needs about 100 tokens of cache: only one runs at a time.
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => ResultAsync(scheduler.Submit(Request("p" + i, 90)))));
        results.Should().OnlyContain(r => r.Tokens.Count == 90);
        scheduler.Statistics.FreeBlocks.Should().Be(scheduler.Statistics.TotalBlocks);
    }
}
