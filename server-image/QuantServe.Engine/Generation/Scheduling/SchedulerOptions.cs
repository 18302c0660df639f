namespace QuantServe.Engine.Generation.Scheduling;

/// <summary>Budgets of the continuous batching loop (TGI's --max-batch-* flags).</summary>
public sealed record SchedulerOptions
{
    /// <summary>Tokens the KV cache holds over every sequence in flight (prompt + max_new_tokens each).</summary>
    public required int MaxBatchTotalTokens { get; init; }

    /// <summary>Prompt tokens one step may prefill; longer prompts are prefilled over several steps.</summary>
    public required int MaxBatchPrefillTokens { get; init; }

    /// <summary>Tokens per KV cache block.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Called on the loop thread after each forward step with its duration, batch size and tokens.</summary>
    public Action<TimeSpan, int, int>? StepCompleted { get; init; }
}
