namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TopKLogitsWarper: k = min(max(top_k, 1), vocab); every logit strictly below the
/// k-th largest becomes -infinity, so ties with the k-th are kept (more than k may survive).
/// The k-th largest is found by a radix select on order-preserving bits: four passes, no sort,
/// no allocation, no worst case.
/// </summary>
internal static class TopKWarper
{
    public const int HistogramLength = 256;

    public static void Apply(Span<float> logits, int topK, Span<int> histogram)
    {
        var k = Math.Min(Math.Max(topK, 1), logits.Length);
        var kth = KthLargest(logits, k, histogram);
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] < kth)
            {
                logits[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>The k-th largest value (1-based, duplicates counted) of a non-empty span.</summary>
    public static float KthLargest(ReadOnlySpan<float> values, int k, Span<int> histogram)
    {
        if (k < 1 || k > values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {values.Length}].");
        }

        uint prefix = 0;
        uint prefixMask = 0;
        var remaining = k;
        for (var shift = 24; shift >= 0; shift -= 8)
        {
            histogram.Clear();
            foreach (var value in values)
            {
                var bits = OrderedFloatKey.ToOrderedBits(value);
                if ((bits & prefixMask) == prefix)
                {
                    histogram[(int)((bits >> shift) & 0xFF)]++;
                }
            }

            // Walk the buckets from the largest down until the k-th value's bucket is reached.
            var bucket = HistogramLength - 1;
            while (remaining > histogram[bucket])
            {
                remaining -= histogram[bucket];
                bucket--;
            }

            prefix |= (uint)bucket << shift;
            prefixMask |= 0xFFu << shift;
        }

        return OrderedFloatKey.FromOrderedBits(prefix);
    }
}
