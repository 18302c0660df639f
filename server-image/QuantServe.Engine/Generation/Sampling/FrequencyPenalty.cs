namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// TGI's HeterogeneousFrequencyPenaltyLogitsProcessor: logit -= penalty * count / total, where
/// count is how often the token occurs in the previous tokens and total is their number (TGI
/// divides by the length of input_ids, prompt included). A negative penalty favours repeats.
/// </summary>
internal static class FrequencyPenalty
{
    public static void Apply(Span<float> logits, TokenOccurrences occurrences, float penalty)
    {
        if (occurrences.Total == 0)
        {
            return;
        }

        double total = occurrences.Total;
        foreach (var token in occurrences.Distinct)
        {
            logits[token] -= (float)(occurrences.CountOf(token) / total * penalty);
        }
    }
}
