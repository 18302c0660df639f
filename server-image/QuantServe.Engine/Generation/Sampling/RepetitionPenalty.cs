namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' RepetitionPenaltyLogitsProcessor (CTRL, arXiv:1909.05858): each token that occurs
/// in the previous tokens, however often, has a positive logit divided by the penalty and a
/// negative one multiplied by it, so a penalty above 1 always makes it less likely.
/// </summary>
internal static class RepetitionPenalty
{
    public static void Apply(Span<float> logits, ReadOnlySpan<int> distinctTokens, float penalty)
    {
        foreach (var token in distinctTokens)
        {
            var logit = logits[token];
            logits[token] = logit < 0.0f ? logit * penalty : logit / penalty;
        }
    }
}
