namespace QuantServe.Server;

/// <summary>
/// TGI's launcher flags that shape the HTTP server and the batching loop, with TGI's defaults.
/// Token limits left null are derived from the model by <see cref="Resolve"/>.
/// </summary>
public sealed record ServerOptions
{
    public required string ModelId { get; init; }
    public string Hostname { get; init; } = "0.0.0.0";
    public int Port { get; init; } = 3000;
    public int MaxConcurrentRequests { get; init; } = 128;
    public int MaxBestOf { get; init; } = 2;
    public int MaxStopSequences { get; init; } = 4;
    public int MaxTopNTokens { get; init; } = 5;
    public int? MaxInputTokens { get; init; }
    public int? MaxTotalTokens { get; init; }
    public int? MaxBatchPrefillTokens { get; init; }
    public int? MaxBatchTotalTokens { get; init; }
    public int MaxClientBatchSize { get; init; } = 4;
    public long PayloadLimit { get; init; } = 2_000_000;
    public string? ApiKey { get; init; }

    /// <summary>How long SIGTERM waits for requests in flight before the process exits.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Fills the token limits from the model's context length and checks TGI's rules:
    /// max_input_tokens &lt; max_total_tokens &lt;= max_batch_total_tokens, max_batch_prefill_tokens &gt;= max_input_tokens.
    /// </summary>
    public ServerOptions Resolve(int maxPositionEmbeddings)
    {
        int total = MaxTotalTokens ?? Math.Min(maxPositionEmbeddings, 4096);
        int input = MaxInputTokens ?? total - 1;
        int prefill = MaxBatchPrefillTokens ?? input + 50;
        int batchTotal = MaxBatchTotalTokens ?? Math.Max(total * 4, 16384);
        var resolved = this with { MaxTotalTokens = total, MaxInputTokens = input, MaxBatchPrefillTokens = prefill, MaxBatchTotalTokens = batchTotal };
        resolved.Validate(maxPositionEmbeddings);
        return resolved;
    }

    private void Validate(int maxPositionEmbeddings)
    {
        int input = MaxInputTokens!.Value, total = MaxTotalTokens!.Value;
        if (input <= 0)
            throw new ArgumentException($"`max_input_tokens` must be > 0, got {input}");
        if (input >= total)
            throw new ArgumentException($"`max_input_tokens`({input}) must be < `max_total_tokens`({total})");
        if (total > maxPositionEmbeddings)
            throw new ArgumentException($"`max_total_tokens`({total}) must be <= the model's max_position_embeddings ({maxPositionEmbeddings})");
        if (MaxBatchPrefillTokens < input)
            throw new ArgumentException($"`max_batch_prefill_tokens` must be >= `max_input_tokens`. Given: {MaxBatchPrefillTokens} and {input}");
        if (MaxBatchTotalTokens < total)
            throw new ArgumentException($"`max_total_tokens` must be <= `max_batch_total_tokens`. Given: {total} and {MaxBatchTotalTokens}");
        if (MaxConcurrentRequests <= 0 || MaxBestOf <= 0 || MaxStopSequences < 0 || MaxTopNTokens < 0 || MaxClientBatchSize <= 0 || PayloadLimit <= 0)
            throw new ArgumentException("--max-concurrent-requests, --max-best-of, --max-client-batch-size and --payload-limit must be positive; --max-stop-sequences and --max-top-n-tokens must not be negative");
        if (Port is <= 0 or > 65535)
            throw new ArgumentException($"--port must be in 1..65535, got {Port}");
    }
}
