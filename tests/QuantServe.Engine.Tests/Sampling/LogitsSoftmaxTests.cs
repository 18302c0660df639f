using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class LogitsSoftmaxTests
{
    private static float[] RandomLogits(Random random, int length) =>
        Enumerable.Range(0, length)
            .Select(_ => random.Next(8) == 0 ? float.NegativeInfinity : (float)(random.NextDouble() * 60 - 30))
            .ToArray();

    [Fact]
    public void Max_MatchesScalarAtEveryLength()
    {
        var random = new Random(21);
        for (var length = 0; length <= 67; length++)
        {
            var logits = RandomLogits(random, length);

            LogitsSoftmax.Max(logits).Should().Be(length == 0 ? float.NegativeInfinity : logits.Max());
        }
    }

    [Fact]
    public void ExpShifted_MatchesMathExpAtEveryLength()
    {
        var random = new Random(23);
        for (var length = 1; length <= 67; length++)
        {
            var logits = RandomLogits(random, length);
            logits[random.Next(length)] = 1.5f; // at least one finite logit
            var max = logits.Max();
            var weights = new double[length];

            var sum = LogitsSoftmax.ExpShifted(logits, max, weights);

            var expected = logits.Select(l => Math.Exp((double)l - max)).ToArray();
            weights.Should().Equal(expected, (a, b) => Math.Abs(a - b) <= 1e-14 * Math.Max(1e-300, Math.Abs(b)));
            sum.Should().BeApproximately(expected.Sum(), 1e-12 * expected.Sum());
            for (var i = 0; i < length; i++)
            {
                if (logits[i] == float.NegativeInfinity)
                {
                    weights[i].Should().Be(0.0);
                }
            }
        }
    }

    [Fact]
    public void ContainsNaNOrPositiveInfinity_FindsABadValueAtAnyPosition()
    {
        for (var length = 1; length <= 40; length++)
        {
            var logits = new float[length];
            LogitsSoftmax.ContainsNaNOrPositiveInfinity(logits).Should().BeFalse();
            for (var position = 0; position < length; position++)
            {
                foreach (var bad in new[] { float.NaN, float.PositiveInfinity })
                {
                    logits[position] = bad;
                    LogitsSoftmax.ContainsNaNOrPositiveInfinity(logits).Should().BeTrue($"{bad} at {position} of {length}");
                }

                logits[position] = float.NegativeInfinity;
                LogitsSoftmax.ContainsNaNOrPositiveInfinity(logits).Should().BeFalse();
                logits[position] = 0f;
            }
        }
    }
}
