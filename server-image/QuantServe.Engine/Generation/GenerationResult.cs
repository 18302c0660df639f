using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Generation;

/// <summary>The finished continuation of one request.</summary>
public sealed record GenerationResult(
    string GeneratedText,
    IReadOnlyList<GeneratedToken> Tokens,
    FinishReason FinishReason,
    ulong Seed,
    int PromptTokens,
    IReadOnlyList<PromptToken>? Prompt = null);
