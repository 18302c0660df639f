namespace QuantServe.Engine.Generation;

/// <summary>One of the most likely tokens at a step (TGI's top_tokens), with its log-probability.</summary>
public readonly record struct TopToken(int Id, string Text, float Logprob, bool Special);
