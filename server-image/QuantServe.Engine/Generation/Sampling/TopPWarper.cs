using System.Numerics;

namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TopPLogitsWarper (nucleus): sort ascending, take the cumulative softmax, set to
/// -infinity every token whose cumulative probability is &lt;= 1 - top_p, and always keep the
/// largest one (min_tokens_to_keep = 1). Ties sort by token index, as torch's stable sort does,
/// so among equal logits the lower indices are removed first.
/// Sorting a whole vocabulary costs ~15 ms, so the long tail is removed first without sorting:
/// tokens at least 2^(b-1) below the maximum all come first in ascending order, and when their
/// total probability is at most 1 - top_p every one of them would be removed anyway. Only the
/// tokens above that gap are sorted.
/// </summary>
internal static class TopPWarper
{
    private const int GapBuckets = 12;

    // Keeps the shortcut away from the exact boundary, where summation order could decide.
    private const double Margin = 1e-9;

    public static void Apply(Span<float> logits, float topP, Span<ulong> sortKeys, Span<double> weights)
    {
        var max = LogitsSoftmax.Max(logits);
        var sum = LogitsSoftmax.ExpShifted(logits, max, weights);
        var removeAtOrBelow = 1.0 - topP;

        // Probability mass per gap bucket: bucket 0 holds gaps below 1, bucket b gaps in [2^(b-1), 2^b).
        Span<double> bucketMass = stackalloc double[GapBuckets];
        bucketMass.Clear();
        for (var i = 0; i < logits.Length; i++)
        {
            if (weights[i] > 0.0)
            {
                bucketMass[GapBucket(max - logits[i])] += weights[i];
            }
        }

        // The smallest gap whose tail mass may all be removed; float.PositiveInfinity when none.
        var tailMass = 0.0;
        var gapLimit = float.PositiveInfinity;
        var removedMass = 0.0;
        for (var b = GapBuckets - 1; b >= 1; b--)
        {
            tailMass += bucketMass[b];
            if (tailMass / sum > removeAtOrBelow - Margin)
            {
                break;
            }

            gapLimit = 1 << (b - 1);
            removedMass = tailMass;
        }

        var count = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] == float.NegativeInfinity)
            {
                continue;
            }

            if (max - logits[i] >= gapLimit)
            {
                logits[i] = float.NegativeInfinity;
            }
            else
            {
                sortKeys[count++] = OrderedFloatKey.Ascending(logits[i], i);
            }
        }

        var keys = sortKeys[..count];
        keys.Sort();

        var cumulative = removedMass / sum;
        for (var j = 0; j < count - 1; j++)
        {
            var index = OrderedFloatKey.IndexOf(keys[j]);
            cumulative += weights[index] / sum;
            if (cumulative > removeAtOrBelow)
            {
                break;
            }

            logits[index] = float.NegativeInfinity;
        }
    }

    private static int GapBucket(float gap) =>
        gap < 1.0f ? 0 : Math.Min(GapBuckets - 1, 32 - BitOperations.LeadingZeroCount((uint)Math.Min(gap, 1e9f)));
}
