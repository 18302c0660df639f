namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// The chosen token and its log-probability: log_softmax of the logits after every penalty and
/// warper, taken at <paramref name="Id"/> (what TGI reports as a token's <c>logprob</c>).
/// </summary>
public readonly record struct SampledToken(int Id, float Logprob);
