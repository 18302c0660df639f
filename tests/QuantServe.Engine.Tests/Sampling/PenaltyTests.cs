using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class PenaltyTests
{
    private static TokenOccurrences Count(int vocab, params int[] tokens)
    {
        var occurrences = new TokenOccurrences(vocab);
        occurrences.Count(tokens);
        return occurrences;
    }

    [Fact]
    public void Repetition_DividesPositiveAndMultipliesNegative_OncePerDistinctToken()
    {
        float[] logits = [2f, -2f, 1f, 0.5f, 0f];
        var occurrences = Count(5, 0, 1, 0, 0, 1, 4);

        RepetitionPenalty.Apply(logits, occurrences.Distinct, 2f);

        // Token 0 occurs three times and token 1 twice, yet each is penalised once; 0 / 2 stays 0.
        logits.Should().Equal(1f, -4f, 1f, 0.5f, 0f);
    }

    [Fact]
    public void Repetition_BelowOne_RaisesRepeatedTokens()
    {
        float[] logits = [2f, -2f, 1f];

        RepetitionPenalty.Apply(logits, Count(3, 0, 1).Distinct, 0.5f);

        logits.Should().Equal(4f, -1f, 1f);
    }

    [Fact]
    public void Repetition_LeavesNegativeInfinityAlone()
    {
        float[] logits = [float.NegativeInfinity, 1f];

        RepetitionPenalty.Apply(logits, Count(2, 0).Distinct, 1.3f);

        logits[0].Should().Be(float.NegativeInfinity);
    }

    [Fact]
    public void Frequency_SubtractsPenaltyTimesCountOverTotal()
    {
        float[] logits = [1f, 1f, -1f, 3f];
        var occurrences = Count(4, 0, 0, 0, 2, 1, 0, 2, 0);

        FrequencyPenalty.Apply(logits, occurrences, 1.5f);

        // total 8: token 0 five times, token 1 once, token 2 twice (TGI: count / len(input_ids)).
        logits[0].Should().BeApproximately((float)(1 - 1.5 * 5 / 8.0), 1e-6f);
        logits[1].Should().BeApproximately((float)(1 - 1.5 * 1 / 8.0), 1e-6f);
        logits[2].Should().BeApproximately((float)(-1 - 1.5 * 2 / 8.0), 1e-6f);
        logits[3].Should().Be(3f);
    }

    [Fact]
    public void Frequency_NegativePenaltyFavoursRepeats()
    {
        float[] logits = [0f, 0f];

        FrequencyPenalty.Apply(logits, Count(2, 0, 0, 0, 1), -0.5f);

        logits[0].Should().BeApproximately(0.375f, 1e-7f);
        logits[1].Should().BeApproximately(0.125f, 1e-7f);
    }

    [Fact]
    public void Occurrences_ResetBetweenCalls()
    {
        var occurrences = new TokenOccurrences(4);
        occurrences.Count([1, 1, 2]);

        occurrences.Count([3]);

        occurrences.Total.Should().Be(1);
        occurrences.Distinct.ToArray().Should().Equal(3);
        occurrences.CountOf(1).Should().Be(0);
        occurrences.CountOf(3).Should().Be(1);
    }

    [Fact]
    public void Occurrences_RejectTokenOutsideVocabulary()
    {
        var occurrences = new TokenOccurrences(4);

        var count = () => occurrences.Count([1, 4]);

        count.Should().Throw<ArgumentOutOfRangeException>().WithMessage("previousTokens[1] = 4 is outside the vocabulary [0, 4).*");
    }
}
