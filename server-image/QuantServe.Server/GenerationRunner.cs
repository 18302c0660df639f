using System.Runtime.CompilerServices;
using QuantServe.Engine.Generation;
using QuantServe.Engine.Generation.Scheduling;
using QuantServe.Server.Api;
using QuantServe.Server.Validation;

namespace QuantServe.Server;

/// <summary>Submits validated requests to the batching loop and turns its events into results or errors.</summary>
public sealed class GenerationRunner(ServingModel serving)
{
    /// <summary>Runs to the end. With best_of &gt; 1 the candidates run in the same batch and the most likely one wins.</summary>
    public async Task<CompletedGeneration> RunAsync(ValidRequest request, CancellationToken cancellation)
    {
        var candidates = new Task<(GenerationResult Result, TimeSpan Queue, TimeSpan Inference)>[request.BestOf];
        for (int i = 0; i < candidates.Length; i++)
        {
            var events = Submit(request.Generation, cancellation);
            candidates[i] = DrainAsync(events, cancellation);
        }
        var results = await Task.WhenAll(candidates).ConfigureAwait(false);
        var best = results.MaxBy(r => r.Result.Tokens.Sum(t => (double)t.Logprob));
        return new CompletedGeneration(best.Result, results.Where(r => !ReferenceEquals(r.Result, best.Result)).Select(r => r.Result).ToArray(), best.Queue, best.Inference);
    }

    /// <summary>Every event of one request; a failure surfaces as an <see cref="ApiError"/>.</summary>
    public async IAsyncEnumerable<GenerationEvent> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var events = Submit(request, cancellation);
        await foreach (var e in events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            if (e is GenerationEvent.Failed failed)
                throw Translate(failed.Error, cancellation);
            yield return e;
        }
    }

    private System.Threading.Channels.ChannelReader<GenerationEvent> Submit(GenerationRequest request, CancellationToken cancellation)
    {
        try
        {
            return serving.Scheduler.Submit(request, cancellation);
        }
        catch (ArgumentException e)
        {
            throw ApiError.Validation(e.Message);
        }
        catch (InvalidOperationException e)
        {
            throw ApiError.Unavailable(e.Message);
        }
    }

    private static async Task<(GenerationResult, TimeSpan, TimeSpan)> DrainAsync(System.Threading.Channels.ChannelReader<GenerationEvent> events, CancellationToken cancellation)
    {
        await foreach (var e in events.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            switch (e)
            {
                case GenerationEvent.Finished finished:
                    return (finished.Result, finished.QueueTime, finished.InferenceTime);
                case GenerationEvent.Failed failed:
                    throw Translate(failed.Error, cancellation);
            }
        }
        throw ApiError.Incomplete();
    }

    private static Exception Translate(Exception error, CancellationToken cancellation) =>
        cancellation.IsCancellationRequested ? new OperationCanceledException(cancellation)
        : error is OperationCanceledException ? ApiError.Unavailable(error.Message)
        : ApiError.Generation(error.Message);
}
