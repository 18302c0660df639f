using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Generation;

/// <summary>One prompt to continue: its token ids, how to sample, and when to stop.</summary>
public sealed record GenerationRequest
{
    public required IReadOnlyList<int> PromptTokens { get; init; }
    public SamplingParameters Sampling { get; init; } = new();
    public int MaxNewTokens { get; init; } = 20;
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Keep generating past eos (benchmarks that need a fixed number of tokens).</summary>
    public bool IgnoreEos { get; init; }
}
