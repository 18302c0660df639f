namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// transformers' TopKLogitsWarper: k = min(max(top_k, 1), vocab); every logit strictly below the
/// k-th largest becomes -infinity, so ties with the k-th are kept (more than k may survive).
/// The k-th largest is found by a radix select on order-preserving bits (11 + 11 + 10 bits): one
/// pass over the vocabulary, then passes over the few values that share the winning top bits.
/// No sort, no allocation, no worst case.
/// </summary>
internal static class TopKWarper
{
    public const int HistogramLength = 1 << 11;

    public static void Apply(Span<float> logits, int topK, Span<int> histogram, Span<uint> candidates)
    {
        var k = Math.Min(Math.Max(topK, 1), logits.Length);
        var kth = KthLargest(logits, k, histogram, candidates);
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] < kth)
            {
                logits[i] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>
    /// The k-th largest value (1-based, duplicates counted) of a non-empty span. Needs a histogram of
    /// <see cref="HistogramLength"/> and room for as many candidates as there are values.
    /// </summary>
    public static float KthLargest(ReadOnlySpan<float> values, int k, Span<int> histogram, Span<uint> candidates)
    {
        if (k < 1 || k > values.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, {values.Length}].");
        }

        histogram.Clear();
        foreach (var value in values)
        {
            histogram[(int)(OrderedFloatKey.ToOrderedBits(value) >> 21)]++;
        }

        var remaining = k;
        var top = SelectBucket(histogram, ref remaining);

        var count = 0;
        foreach (var value in values)
        {
            var bits = OrderedFloatKey.ToOrderedBits(value);
            if (bits >> 21 == top)
            {
                candidates[count++] = bits;
            }
        }

        var kept = candidates[..count];
        var prefix = top << 21;
        foreach (var (shift, width) in stackalloc (int, int)[] { (10, 11), (0, 10) })
        {
            var mask = (1u << width) - 1;
            var levelHistogram = histogram[..(1 << width)];
            levelHistogram.Clear();
            foreach (var bits in kept)
            {
                if (bits >> (shift + width) == prefix >> (shift + width))
                {
                    levelHistogram[(int)((bits >> shift) & mask)]++;
                }
            }

            prefix |= SelectBucket(levelHistogram, ref remaining) << shift;
        }

        return OrderedFloatKey.FromOrderedBits(prefix);
    }

    /// <summary>Walks buckets from the largest down to the one holding the remaining-th value.</summary>
    private static uint SelectBucket(ReadOnlySpan<int> histogram, ref int remaining)
    {
        var bucket = histogram.Length - 1;
        while (remaining > histogram[bucket])
        {
            remaining -= histogram[bucket];
            bucket--;
        }

        return (uint)bucket;
    }
}
