using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using QuantServe.Engine.KvCache;
using QuantServe.Engine.Models;
using QuantServe.Engine.Tokenization;

namespace QuantServe.Engine.Generation.Scheduling;

/// <summary>
/// Continuous batching: one loop thread owns the model and the paged KV cache. Each step it admits
/// waiting requests whose whole budget (prompt + max_new_tokens) fits in the free blocks, drops
/// cancelled ones and frees their blocks, prefills new prompts in chunks of at most
/// max_batch_prefill_tokens, decodes one token for every running sequence, all in one forward pass.
/// Reserving the whole budget at admission means a running sequence can never run out of cache.
/// </summary>
public sealed class ContinuousBatchScheduler : IDisposable
{
    private readonly LlamaModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly SchedulerOptions _options;
    private readonly PagedKvCache _cache;
    private readonly IReadOnlyCollection<int> _eos;
    private readonly ConcurrentQueue<Entry> _incoming = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly List<Entry> _waiting = [];
    private readonly List<Entry> _running = [];
    private readonly Thread _loop;
    private readonly CancellationTokenSource _disposed = new();
    private volatile bool _draining;
    private int _waitingCount, _runningCount, _freeBlocks;
    private long _steps, _failedSteps, _lastForwardTicks;

    public ContinuousBatchScheduler(LlamaModel model, Tokenizer tokenizer, SchedulerOptions options)
    {
        if (options.MaxBatchTotalTokens <= 0 || options.MaxBatchPrefillTokens <= 0)
            throw new ArgumentException("max_batch_total_tokens and max_batch_prefill_tokens must be positive");
        _model = model;
        _tokenizer = tokenizer;
        _options = options;
        _cache = model.CreateKvCache(options.MaxBatchTotalTokens, options.BlockSize);
        _freeBlocks = _cache.FreeBlocks;
        _eos = BatchGenerator.EosTokens(model.Config, tokenizer);
        _loop = new Thread(Run) { IsBackground = true, Name = "quantserve-batching" };
        _loop.Start();
    }

    public SchedulerStatistics Statistics => new(
        Volatile.Read(ref _waitingCount), Volatile.Read(ref _runningCount), Volatile.Read(ref _freeBlocks),
        _cache.BlockCount, Interlocked.Read(ref _steps), Interlocked.Read(ref _failedSteps),
        TimeSpan.FromTicks(Interlocked.Read(ref _lastForwardTicks)));

    /// <summary>True once <see cref="DrainAsync"/> was called: no new request is accepted.</summary>
    public bool IsDraining => _draining;

    /// <summary>
    /// Queues a request; its events arrive on the returned reader. Invalid requests throw
    /// <see cref="ArgumentException"/> here, before anything is queued.
    /// </summary>
    public ChannelReader<GenerationEvent> Submit(GenerationRequest request, CancellationToken cancellation = default)
    {
        if (_draining)
            throw new InvalidOperationException("the server is shutting down and accepts no new requests");
        var sequence = new GenerationSequence(request, _tokenizer, _model.Config.VocabSize, _eos);
        int blocks = PagedKvCache.BlocksFor(sequence.MaxTotalTokens, _cache.BlockSize);
        if (blocks > _cache.BlockCount)
            throw new ArgumentException($"the request needs {sequence.MaxTotalTokens} tokens of KV cache (prompt + max_new_tokens) but --max-batch-total-tokens is {_options.MaxBatchTotalTokens}");
        var entry = new Entry(sequence, cancellation);
        _incoming.Enqueue(entry);
        Interlocked.Increment(ref _waitingCount);
        _signal.Release();
        return entry.Events.Reader;
    }

    /// <summary>Stops accepting requests and waits up to <paramref name="timeout"/> for those in flight; the rest fail.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        _draining = true;
        var deadline = Stopwatch.StartNew();
        while ((Volatile.Read(ref _waitingCount) > 0 || Volatile.Read(ref _runningCount) > 0) && deadline.Elapsed < timeout)
            await Task.Delay(20).ConfigureAwait(false);
        _disposed.Cancel();
        _signal.Release();
        _loop.Join(TimeSpan.FromSeconds(30));
    }

    private void Run()
    {
        var chunks = new List<SequenceChunk>();
        var stepEntries = new List<Entry>();
        int vocab = _model.Config.VocabSize;
        while (!_disposed.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out var entry))
                _waiting.Add(entry);
            DropCancelled(_waiting);
            DropCancelled(_running);
            Admit();
            PublishCounts();
            if (_running.Count == 0)
            {
                // Nothing to run: sleep until a request arrives (and look at cancellations now and then).
                _signal.Wait(100);
                continue;
            }

            chunks.Clear();
            stepEntries.Clear();
            int prefillBudget = _options.MaxBatchPrefillTokens;
            foreach (var entry in _running)
            {
                if (entry.Sequence.PromptRemaining > 0)
                {
                    if (prefillBudget <= 0)
                        continue;
                    var chunk = entry.Sequence.NextChunk(prefillBudget);
                    prefillBudget -= chunk.Tokens.Length;
                    chunks.Add(chunk);
                }
                else
                {
                    chunks.Add(entry.Sequence.NextChunk());
                }
                stepEntries.Add(entry);
            }

            var clock = Stopwatch.StartNew();
            Span<float> logits;
            try
            {
                logits = _model.Forward(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(chunks), _cache);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failedSteps);
                foreach (var entry in stepEntries)
                    Finish(entry, new GenerationEvent.Failed(e));
                continue;
            }
            Interlocked.Exchange(ref _lastForwardTicks, clock.Elapsed.Ticks);
            Interlocked.Increment(ref _steps);
            int stepTokens = 0;
            foreach (var chunk in chunks)
                stepTokens += chunk.Tokens.Length;
            _options.StepCompleted?.Invoke(clock.Elapsed, stepEntries.Count, stepTokens);

            int row = 0;
            foreach (var entry in stepEntries)
            {
                var sequence = entry.Sequence;
                int rows = sequence.LogitRows;
                try
                {
                    if (sequence.Consume(logits.Slice(row * vocab, rows * vocab), vocab) is { } token)
                        entry.Events.Writer.TryWrite(new GenerationEvent.Token(token, sequence.Generated.Count - 1));
                    if (sequence.Finished)
                        Finish(entry, new GenerationEvent.Finished(sequence.Result(), entry.QueueTime, entry.Clock.Elapsed - entry.QueueTime));
                }
                catch (Exception e)
                {
                    Finish(entry, new GenerationEvent.Failed(e));
                }
                row += rows;
            }
        }
        // Shut down: whatever is still queued or running fails rather than hanging its client.
        while (_incoming.TryDequeue(out var entry))
            _waiting.Add(entry);
        foreach (var entry in _waiting.Concat(_running).ToList())
            Finish(entry, new GenerationEvent.Failed(new OperationCanceledException("the server shut down before the request finished")));
        PublishCounts();
    }

    // FIFO: the oldest waiting request goes first, and nothing overtakes it while it does not fit.
    private void Admit()
    {
        while (_waiting.Count > 0)
        {
            var entry = _waiting[0];
            if (!_cache.TryReserve(entry.Sequence.Kv, entry.Sequence.MaxTotalTokens))
                return;
            _waiting.RemoveAt(0);
            entry.QueueTime = entry.Clock.Elapsed;
            _running.Add(entry);
        }
    }

    private void DropCancelled(List<Entry> entries)
    {
        for (int i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i].Cancellation.IsCancellationRequested)
                Finish(entries[i], new GenerationEvent.Failed(new OperationCanceledException("the client cancelled the request")));
        }
    }

    private void Finish(Entry entry, GenerationEvent last)
    {
        _cache.Release(entry.Sequence.Kv);
        _running.Remove(entry);
        _waiting.Remove(entry);
        entry.Events.Writer.TryWrite(last);
        entry.Events.Writer.TryComplete();
        PublishCounts();
    }

    private void PublishCounts()
    {
        Volatile.Write(ref _waitingCount, _waiting.Count + _incoming.Count);
        Volatile.Write(ref _runningCount, _running.Count);
        Volatile.Write(ref _freeBlocks, _cache.FreeBlocks);
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _signal.Release();
        _loop.Join(TimeSpan.FromSeconds(30));
        _cache.Dispose();
        _signal.Dispose();
        _disposed.Dispose();
    }

    private sealed class Entry(GenerationSequence sequence, CancellationToken cancellation)
    {
        public GenerationSequence Sequence { get; } = sequence;
        public CancellationToken Cancellation { get; } = cancellation;
        public Channel<GenerationEvent> Events { get; } = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public TimeSpan QueueTime { get; set; }
    }
}
