namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TopPLogitsWarper (nucleus): sort ascending, take the cumulative softmax, set to
/// -infinity every token whose cumulative probability is &lt;= 1 - top_p, and always keep the
/// largest one (min_tokens_to_keep = 1). Ties sort by token index, as torch's stable sort does,
/// so among equal logits the lower indices are removed first. Tokens already at -infinity have
/// probability 0 and stay removed, so only the finite ones are sorted.
/// </summary>
internal static class TopPWarper
{
    public static void Apply(Span<float> logits, float topP, Span<ulong> sortKeys)
    {
        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] != float.NegativeInfinity)
            {
                sortKeys[count++] = OrderedFloatKey.Ascending(logits[i], i);
            }
        }

        var keys = sortKeys[..count];
        keys.Sort();

        var max = OrderedFloatKey.ValueOf(keys[count - 1]);
        var sum = 0.0;
        foreach (var key in keys)
        {
            sum += Math.Exp((double)OrderedFloatKey.ValueOf(key) - max);
        }

        var removeAtOrBelow = 1.0 - topP;
        var cumulative = 0.0;
        for (var j = 0; j < count - 1; j++)
        {
            cumulative += Math.Exp((double)OrderedFloatKey.ValueOf(keys[j]) - max) / sum;
            if (cumulative > removeAtOrBelow)
            {
                break;
            }

            logits[OrderedFloatKey.IndexOf(keys[j])] = float.NegativeInfinity;
        }
    }
}
