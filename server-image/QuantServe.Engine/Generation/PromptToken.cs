namespace QuantServe.Engine.Generation;

/// <summary>A prompt token with the log-probability the model gave it (TGI's prefill details); the first has none.</summary>
public readonly record struct PromptToken(int Id, string Text, float? Logprob);
