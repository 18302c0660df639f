namespace QuantServe.Operator.Runtime;

/// <summary>A per-key deduplicating work queue (client-go's workqueue semantics): a key is queued at most
/// once; a key added while it is being processed runs again after <see cref="Done"/>, never twice at
/// once; failures back off exponentially per key (5 ms doubling up to 1000 s, like client-go) until
/// <see cref="Forget"/>, and all retries together pass an overall token bucket (10 per second, burst 100)
/// so a failing API server is not hammered; <see cref="AddAfter"/> serves RequeueAfter and resyncs.</summary>
public sealed class WorkQueue : IDisposable
{
    private readonly Lock gate = new();
    private readonly LinkedList<string> queue = new();
    private readonly HashSet<string> queued = new(StringComparer.Ordinal);
    private readonly HashSet<string> processing = new(StringComparer.Ordinal);
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> delayed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim available = new(0);
    private readonly TimeProvider time;
    private readonly ITimer timer;
    private bool disposed;
    private double tokens;
    private DateTime tokensAt;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1000);
    public double RetriesPerSecond { get; init; } = 10;
    public int RetryBurst { get; init; } = 100;

    public WorkQueue(TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
        timer = this.time.CreateTimer(_ => PromoteDue(), null, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Keys waiting to be processed (not counting delayed ones).</summary>
    public int Depth { get { lock (gate) return queue.Count; } }

    /// <summary>Keys waiting for their delay to pass.</summary>
    public int DelayedCount { get { lock (gate) return delayed.Count; } }

    public void Add(string key)
    {
        var signal = false;
        lock (gate)
        {
            if (disposed) return;
            delayed.Remove(key);
            if (processing.Contains(key))
            {
                dirty.Add(key);
            }
            else if (queued.Add(key))
            {
                queue.AddLast(key);
                signal = true;
            }
        }
        if (signal) available.Release();
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed; an earlier pending time wins.</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }
        lock (gate)
        {
            if (disposed) return;
            var due = time.GetUtcNow().UtcDateTime + delay;
            if (!delayed.TryGetValue(key, out var existing) || due < existing) delayed[key] = due;
        }
    }

    /// <summary>Requeues after the key's next backoff delay; returns that delay.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        TimeSpan delay;
        lock (gate)
        {
            var n = failures.GetValueOrDefault(key);
            failures[key] = n + 1;
            var ms = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(n, 40));
            delay = TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
            // The overall bucket: take a token now, or wait until one will have been refilled.
            var now = time.GetUtcNow().UtcDateTime;
            if (tokensAt == default) (tokens, tokensAt) = (RetryBurst, now);
            tokens = Math.Min(RetryBurst, tokens + (now - tokensAt).TotalSeconds * RetriesPerSecond);
            tokensAt = now;
            tokens -= 1;
            if (tokens < 0)
            {
                var wait = TimeSpan.FromSeconds(-tokens / RetriesPerSecond);
                if (wait > delay) delay = wait;
            }
        }
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Resets the key's backoff after a success.</summary>
    public void Forget(string key)
    {
        lock (gate) failures.Remove(key);
    }

    public int Failures(string key)
    {
        lock (gate) return failures.GetValueOrDefault(key);
    }

    /// <summary>Waits for the next key and marks it processing; the caller must call <see cref="Done"/>.</summary>
    public async Task<string> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            await available.WaitAsync(ct);
            lock (gate)
            {
                if (queue.First is { } first)
                {
                    queue.RemoveFirst();
                    queued.Remove(first.Value);
                    processing.Add(first.Value);
                    return first.Value;
                }
            }
        }
    }

    public void Done(string key)
    {
        var signal = false;
        lock (gate)
        {
            processing.Remove(key);
            if (dirty.Remove(key) && queued.Add(key))
            {
                queue.AddLast(key);
                signal = true;
            }
        }
        if (signal) available.Release();
    }

    /// <summary>Moves delayed keys whose time has come into the queue (also called by the timer).</summary>
    public void PromoteDue()
    {
        List<string> due;
        lock (gate)
        {
            if (delayed.Count == 0) return;
            var now = time.GetUtcNow().UtcDateTime;
            due = delayed.Where(p => p.Value <= now).Select(p => p.Key).ToList();
            foreach (var key in due) delayed.Remove(key);
        }
        foreach (var key in due) Add(key);
    }

    public void Dispose()
    {
        lock (gate) disposed = true;
        timer.Dispose();
    }
}
