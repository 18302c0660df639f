namespace QuantServe.Engine.Generation;

/// <summary>
/// A sampled token, the text it completed (may be empty mid-character), its log-probability and,
/// when asked for, the most likely alternatives at that step.
/// </summary>
public readonly record struct GeneratedToken(int Id, string Text, float Logprob, bool Special, IReadOnlyList<TopToken>? TopTokens = null);
