namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TypicalLogitsWarper (locally typical sampling, arXiv:2202.00666). With entropy
/// H = -sum p log p, each token gets the score |-log p - H|; tokens are sorted by that score
/// ascending (ties by index), last = number of leading tokens whose cumulative probability is
/// below the mass (capped at the last token), and every token whose score is strictly greater
/// than the score at last becomes -infinity. Scores are rounded to float32 as torch computes them.
/// -infinity logits have an infinite score and sort last, so only the finite ones are handled.
/// </summary>
internal static class TypicalWarper
{
    public static void Apply(Span<float> logits, float mass, Span<ulong> sortKeys, Span<double> weights)
    {
        var max = LogitsSoftmax.Max(logits);
        var sum = LogitsSoftmax.ExpShifted(logits, max, weights);
        var logSum = Math.Log(sum);

        // Entropy; -infinity logits contribute nothing (torch's nansum skips their 0 * -inf).
        var entropy = 0.0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] != float.NegativeInfinity)
            {
                var logProb = ((double)logits[i] - max) - logSum;
                entropy -= Math.Exp(logProb) * logProb;
            }
        }

        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] != float.NegativeInfinity)
            {
                var logProb = ((double)logits[i] - max) - logSum;
                var shifted = (float)Math.Abs(-logProb - entropy);
                sortKeys[count++] = OrderedFloatKey.Ascending(shifted, i);
            }
        }

        var keys = sortKeys[..count];
        keys.Sort();

        var last = 0;
        var cumulative = 0.0;
        while (last < count - 1)
        {
            cumulative += weights[OrderedFloatKey.IndexOf(keys[last])] / sum;
            if (!(cumulative < mass))
            {
                break;
            }

            last++;
        }

        var limit = OrderedFloatKey.ValueOf(keys[last]);
        for (var j = last + 1; j < count; j++)
        {
            if (OrderedFloatKey.ValueOf(keys[j]) > limit)
            {
                logits[OrderedFloatKey.IndexOf(keys[j])] = float.NegativeInfinity;
            }
        }
    }
}
