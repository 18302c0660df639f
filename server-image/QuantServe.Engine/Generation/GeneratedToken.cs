namespace QuantServe.Engine.Generation;

/// <summary>A sampled token, the text it completed (may be empty mid-character) and its log-probability.</summary>
public readonly record struct GeneratedToken(int Id, string Text, float Logprob, bool Special);
