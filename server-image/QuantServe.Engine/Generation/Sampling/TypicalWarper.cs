namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TypicalLogitsWarper (locally typical sampling, arXiv:2202.00666). With entropy
/// H = -sum p log p, each token gets the score |-log p - H|; tokens are sorted by that score
/// ascending (ties by index), last = number of leading tokens whose cumulative probability is
/// below the mass (capped at the last token), and every token whose score is strictly greater
/// than the score at last becomes -infinity. Scores are rounded to float32 as torch computes them.
/// -infinity logits have an infinite score and sort last, so only the finite ones are handled.
/// To avoid sorting a whole vocabulary, scores are first bucketed (width 1/4): once the buckets
/// up to b hold the mass, last lies inside them, so every token in a higher bucket scores above
/// the limit and is removed unsorted.
/// </summary>
internal static class TypicalWarper
{
    private const int ScoreBuckets = 65; // 64 of width 1/4, then everything from 16 up

    // Keeps the shortcut away from the exact boundary, where summation order could decide.
    private const double Margin = 1e-9;

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

        Span<double> bucketMass = stackalloc double[ScoreBuckets];
        bucketMass.Clear();
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] != float.NegativeInfinity)
            {
                bucketMass[ScoreBucket(Score(logits[i], max, logSum, entropy))] += weights[i];
            }
        }

        var lastBucket = ScoreBuckets - 1;
        var bucketCumulative = 0.0;
        for (var b = 0; b < ScoreBuckets - 1; b++)
        {
            bucketCumulative += bucketMass[b];
            if (bucketCumulative / sum >= mass + Margin)
            {
                lastBucket = b;
                break;
            }
        }

        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] == float.NegativeInfinity)
            {
                continue;
            }

            var score = Score(logits[i], max, logSum, entropy);
            if (ScoreBucket(score) > lastBucket)
            {
                logits[i] = float.NegativeInfinity;
            }
            else
            {
                sortKeys[count++] = OrderedFloatKey.Ascending(score, i);
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

    private static float Score(float logit, float max, double logSum, double entropy)
    {
        var logProb = ((double)logit - max) - logSum;
        return (float)Math.Abs(-logProb - entropy);
    }

    private static int ScoreBucket(float score) => (int)Math.Min(score * 4.0f, ScoreBuckets - 1);
}
