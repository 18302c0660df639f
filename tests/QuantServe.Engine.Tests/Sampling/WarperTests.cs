using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class WarperTests
{
    private const float NegInf = float.NegativeInfinity;

    private static float[] Ln(params double[] probabilities) =>
        probabilities.Select(p => (float)Math.Log(p)).ToArray();

    private static float[] TopK(float[] logits, int k)
    {
        var copy = (float[])logits.Clone();
        TopKWarper.Apply(copy, k, new int[TopKWarper.HistogramLength], new uint[copy.Length]);
        return copy;
    }

    private static float[] TopP(float[] logits, float p)
    {
        var copy = (float[])logits.Clone();
        TopPWarper.Apply(copy, p, new ulong[copy.Length], new double[copy.Length]);
        return copy;
    }

    private static float[] Typical(float[] logits, float mass)
    {
        var copy = (float[])logits.Clone();
        TypicalWarper.Apply(copy, mass, new ulong[copy.Length], new double[copy.Length]);
        return copy;
    }

    [Fact]
    public void Temperature_DividesEveryLogit()
    {
        float[] logits = [1f, 2f, -3f, NegInf];

        TemperatureWarper.Apply(logits, 0.5f);

        logits.Should().Equal(2f, 4f, -6f, NegInf);
    }

    [Fact]
    public void Temperature_MatchesScalarDivisionAtEveryLength()
    {
        var random = new Random(3);
        for (var length = 0; length <= 67; length++)
        {
            var logits = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 20 - 10)).ToArray();
            var expected = logits.Select(l => l / 0.3f).ToArray();

            TemperatureWarper.Apply(logits, 0.3f);

            logits.Should().Equal(expected);
        }
    }

    [Theory]
    [InlineData(1, new[] { 1, 2 })]       // both tied maxima survive k = 1
    [InlineData(2, new[] { 1, 2 })]
    [InlineData(3, new[] { 1, 2, 3 })]
    [InlineData(4, new[] { 0, 1, 2, 3, 4 })] // ties with the 4th (value 1) are kept too
    [InlineData(5, new[] { 0, 1, 2, 3, 4 })]
    [InlineData(50, new[] { 0, 1, 2, 3, 4 })] // k above the vocabulary keeps everything
    public void TopK_KeepsEverythingAtOrAboveTheKthLargest(int k, int[] kept)
    {
        float[] logits = [1f, 3f, 3f, 2f, 1f];

        var result = TopK(logits, k);

        TransformersReference.Finite(result).Should().Equal(kept);
        foreach (var i in kept)
        {
            result[i].Should().Be(logits[i]);
        }
    }

    [Fact]
    public void TopK_CountsNegativeInfinityEntries()
    {
        float[] logits = [NegInf, 1f, NegInf, 0f];

        TransformersReference.Finite(TopK(logits, 2)).Should().Equal(1, 3);
        TransformersReference.Finite(TopK(logits, 3)).Should().Equal(1, 3);
        TransformersReference.Finite(TopK(logits, 1)).Should().Equal(1);
    }

    [Fact]
    public void TopK_TreatsNegativeAndPositiveZeroAsEqual()
    {
        float[] logits = [-0.0f, 0.0f, -1f];

        TransformersReference.Finite(TopK(logits, 1)).Should().Equal(0, 1);
    }

    [Fact]
    public void KthLargest_MatchesSortingOnRandomValues()
    {
        var random = new Random(5);
        var histogram = new int[TopKWarper.HistogramLength];
        for (var trial = 0; trial < 40; trial++)
        {
            var values = Enumerable.Range(0, 1 + random.Next(60))
                .Select(_ => random.Next(6) switch
                {
                    0 => NegInf,
                    1 => (float)random.Next(-3, 3), // many duplicates
                    2 => (float)(random.NextDouble() * 1e-40), // subnormals
                    _ => (float)((random.NextDouble() - 0.5) * 200),
                })
                .ToArray();
            var descending = values.OrderByDescending(v => v).ToArray();
            for (var k = 1; k <= values.Length; k++)
            {
                TopKWarper.KthLargest(values, k, histogram, new uint[values.Length]).Should().Be(descending[k - 1]);
            }
        }
    }

    [Fact]
    public void KthLargest_MatchesSortingWhenValuesShareTheirTopBits()
    {
        var random = new Random(7);
        var histogram = new int[TopKWarper.HistogramLength];
        var values = Enumerable.Range(0, 3000).Select(_ => 1f + (float)random.NextDouble() * 1e-3f).ToArray();
        var descending = values.OrderByDescending(v => v).ToArray();

        foreach (var k in new[] { 1, 2, 17, 500, 1499, 2999, 3000 })
        {
            TopKWarper.KthLargest(values, k, histogram, new uint[values.Length]).Should().Be(descending[k - 1]);
        }
    }

    [Fact]
    public void TopP_KeepsSmallestSetReachingP()
    {
        var logits = Ln(0.1, 0.2, 0.3, 0.4);

        // Ascending cumulative: 0.1, 0.3, 0.6, 1.0; removed while <= 1 - top_p.
        TransformersReference.Finite(TopP(logits, 0.65f)).Should().Equal(2, 3);
        TransformersReference.Finite(TopP(logits, 0.35f)).Should().Equal(3);
        TransformersReference.Finite(TopP(logits, 0.85f)).Should().Equal(1, 2, 3);
        TransformersReference.Finite(TopP(logits, 0.95f)).Should().Equal(0, 1, 2, 3);
    }

    [Fact]
    public void TopP_RemovesAtExactThreshold_AndLowerIndexFirstAmongTies()
    {
        float[] logits = [0f, 0f, 0f, 0f];

        // Cumulative 0.25, 0.5 are <= 1 - 0.5 exactly, so the first two (by index) go.
        var result = TopP(logits, 0.5f);

        result.Should().Equal(NegInf, NegInf, 0f, 0f);
    }

    [Fact]
    public void TopP_AlwaysKeepsTheMostLikelyToken()
    {
        float[] logits = [5f, 5f, 1f];

        // A tiny p keeps exactly one token; of the tied maxima the higher index sorts last and stays.
        TransformersReference.Finite(TopP(logits, 1e-9f)).Should().Equal(1);
        TransformersReference.Finite(TopP([3f], 1e-9f)).Should().Equal(0);
    }

    [Fact]
    public void TopP_IgnoresNegativeInfinityEntries()
    {
        float[] logits = [NegInf, (float)Math.Log(0.3), NegInf, (float)Math.Log(0.7)];

        TransformersReference.Finite(TopP(logits, 0.5f)).Should().Equal(3);
        TransformersReference.Finite(TopP(logits, 0.8f)).Should().Equal(1, 3);
    }

    [Fact]
    public void TopP_MatchesFloat64ReferenceOnRandomLogits()
    {
        var random = new Random(11);
        for (var trial = 0; trial < 200; trial++)
        {
            var logits = Enumerable.Range(0, 2 + random.Next(40)).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            var p = (float)(0.05 + random.NextDouble() * 0.9);

            TransformersReference.Finite(TopP(logits, p))
                .Should().Equal(TransformersReference.TopPKept(logits.Select(l => (double)l).ToArray(), p));
        }
    }

    private static float[] LongTailedLogits(Random random, int vocab)
    {
        // A few likely tokens over a long tail spanning ~40 nats, like a language model's output.
        return Enumerable.Range(0, vocab)
            .Select(_ => random.Next(20) == 0
                ? (float)(random.NextDouble() * 6 + 4)
                : (float)(-Math.Log(-Math.Log(random.NextDouble() + 1e-300)) * 3 - random.NextDouble() * 25))
            .ToArray();
    }

    [Fact]
    public void TopP_MatchesFloat64ReferenceOnLongTailedLogits()
    {
        var random = new Random(17);
        for (var trial = 0; trial < 100; trial++)
        {
            var logits = LongTailedLogits(random, 50 + random.Next(400));
            var p = (float)(0.02 + random.NextDouble() * 0.97);

            TransformersReference.Finite(TopP(logits, p))
                .Should().Equal(TransformersReference.TopPKept(logits.Select(l => (double)l).ToArray(), p), $"trial {trial}, top_p {p}");
        }
    }

    [Fact]
    public void Typical_MatchesFloat64ReferenceOnLongTailedLogits()
    {
        var random = new Random(19);
        for (var trial = 0; trial < 100; trial++)
        {
            var logits = LongTailedLogits(random, 50 + random.Next(400));
            var mass = (float)(0.02 + random.NextDouble() * 0.97);

            TransformersReference.Finite(Typical(logits, mass))
                .Should().Equal(TransformersReference.TypicalKept(logits.Select(l => (double)l).ToArray(), mass), $"trial {trial}, typical_p {mass}");
        }
    }

    [Theory]
    // p = (0.5, 0.25, 0.125, 0.125): entropy 1.75 ln 2, scores |-ln p - H| = (0.75, 0.25, 1.25, 1.25) ln 2,
    // sorted order 1, 0, {2, 3} with cumulative 0.25, 0.75, 0.875, 1.
    [InlineData(0.2f, new[] { 1 })]          // last = 0: only the most typical (not the most likely) token
    [InlineData(0.5f, new[] { 0, 1 })]       // last = 1: score limit 0.75 ln 2
    [InlineData(0.8f, new[] { 0, 1, 2, 3 })] // last = 2: limit 1.25 ln 2 keeps both tied tokens
    public void Typical_KeepsTokensUpToTheTypicalityLimit(float mass, int[] kept)
    {
        var logits = Ln(0.5, 0.25, 0.125, 0.125);

        TransformersReference.Finite(Typical(logits, mass)).Should().Equal(kept);
    }

    [Fact]
    public void Typical_AllEqualLogitsKeepsEverything()
    {
        float[] logits = [0.3f, 0.3f, 0.3f, 0.3f, 0.3f];

        Typical(logits, 0.1f).Should().Equal(logits);
    }

    [Fact]
    public void Typical_IgnoresNegativeInfinityEntries()
    {
        float[] logits = [NegInf, .. Ln(0.5, 0.25, 0.125, 0.125), NegInf];

        TransformersReference.Finite(Typical(logits, 0.5f)).Should().Equal(1, 2);
    }

    [Fact]
    public void Typical_MatchesFloat64ReferenceOnRandomLogits()
    {
        var random = new Random(13);
        for (var trial = 0; trial < 200; trial++)
        {
            var logits = Enumerable.Range(0, 2 + random.Next(40)).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            var mass = (float)(0.05 + random.NextDouble() * 0.9);

            TransformersReference.Finite(Typical(logits, mass))
                .Should().Equal(TransformersReference.TypicalKept(logits.Select(l => (double)l).ToArray(), mass));
        }
    }

    [Fact]
    public void OrderedKeys_SortLikeFloats()
    {
        float[] values = [NegInf, -3e38f, -1f, -1e-45f, -0.0f, 0.0f, 1e-45f, 1f, 3e38f, float.PositiveInfinity];

        var bits = values.Select(OrderedFloatKey.ToOrderedBits).ToArray();

        bits.Should().BeInAscendingOrder();
        bits[4].Should().Be(bits[5]);
        values.Select(v => OrderedFloatKey.FromOrderedBits(OrderedFloatKey.ToOrderedBits(v)))
            .Should().Equal(values.Select(v => v + 0.0f));
    }
}
