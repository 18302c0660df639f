using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Generation;

/// <summary>One prompt to continue: its token ids, how to sample, when to stop, and which details to report.</summary>
public sealed record GenerationRequest
{
    public required IReadOnlyList<int> PromptTokens { get; init; }
    public SamplingParameters Sampling { get; init; } = new();
    public int MaxNewTokens { get; init; } = 20;
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Keep generating past eos (benchmarks that need a fixed number of tokens).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>Report the log-probability of every prompt token (TGI's decoder_input_details).</summary>
    public bool PromptLogprobs { get; init; }

    /// <summary>How many most-likely alternatives to report per generated token (TGI's top_n_tokens).</summary>
    public int TopNTokens { get; init; }
}
