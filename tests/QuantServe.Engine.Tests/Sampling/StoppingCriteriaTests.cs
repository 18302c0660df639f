using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class StoppingCriteriaTests
{
    private const int Eos = 2;

    [Fact]
    public void StopsOnEosToken()
    {
        var criteria = new StoppingCriteria(10, [Eos, 7], []);

        criteria.Check(5, "a").Should().BeNull();
        criteria.Check(7, "").Should().Be(FinishReason.EosToken);
        criteria.GeneratedTokens.Should().Be(2);
    }

    [Fact]
    public void IgnoreEos_KeepsGoing()
    {
        var criteria = new StoppingCriteria(10, [Eos], [], ignoreEos: true);

        criteria.Check(Eos, "").Should().BeNull();
    }

    [Fact]
    public void StopsAtMaxNewTokens_EvenWhenTheLastTokenIsEos()
    {
        var criteria = new StoppingCriteria(3, [Eos], ["x"]);

        criteria.Check(5, "a").Should().BeNull();
        criteria.Check(5, "b").Should().BeNull();
        criteria.Check(Eos, "x").Should().Be(FinishReason.Length);
        criteria.GeneratedTokens.Should().Be(3);
    }

    [Fact]
    public void MaxNewTokensOfOne_StopsAfterFirstToken()
    {
        new StoppingCriteria(1, [], []).Check(4, "hi").Should().Be(FinishReason.Length);
    }

    [Fact]
    public void StopSequence_SplitAcrossTokens()
    {
        var criteria = new StoppingCriteria(100, [Eos], ["World", "###"]);

        criteria.Check(10, "Hel").Should().BeNull();
        criteria.Check(11, "lo Wor").Should().BeNull();
        criteria.Check(12, "ld").Should().Be(FinishReason.StopSequence);
    }

    [Fact]
    public void StopSequence_SpanningManyTokensAfterLongOutput()
    {
        var criteria = new StoppingCriteria(100_000, [], ["<|end of turn|>"]);
        for (var i = 0; i < 5000; i++)
        {
            criteria.Check(10, "lorem ipsum ").Should().BeNull();
        }

        foreach (var piece in new[] { "<", "|", "end", " of", " turn", "|" })
        {
            criteria.Check(11, piece).Should().BeNull();
        }

        criteria.Check(12, ">").Should().Be(FinishReason.StopSequence);
    }

    [Fact]
    public void StopSequence_MustEndTheText_AsTgiRegexWithDollar()
    {
        var criteria = new StoppingCriteria(100, [], ["STOP"]);

        // "STOP" followed by more text in the same token does not end the output, so TGI goes on.
        criteria.Check(1, "xSTOPy").Should().BeNull();
        criteria.Check(2, " STOP").Should().Be(FinishReason.StopSequence);
    }

    [Fact]
    public void StopSequence_MatchesBeforeOneFinalNewline_AsPythonDollarDoes()
    {
        new StoppingCriteria(100, [], ["END"]).Check(1, "the END\n").Should().Be(FinishReason.StopSequence);
        new StoppingCriteria(100, [], ["END"]).Check(1, "the END\n\n").Should().BeNull();
    }

    [Fact]
    public void StopSequence_LongerThanOneTokenText_AfterLongTokens()
    {
        var criteria = new StoppingCriteria(100, [], ["abcdef"]);

        criteria.Check(1, new string('z', 1000)).Should().BeNull();
        criteria.Check(2, "abc").Should().BeNull();
        criteria.Check(3, "de").Should().BeNull();
        criteria.Check(4, "f").Should().Be(FinishReason.StopSequence);
    }

    [Fact]
    public void EmptyStopSequence_StopsAtOnce_AsInTgi()
    {
        new StoppingCriteria(100, [], [""]).Check(1, "a").Should().Be(FinishReason.StopSequence);
    }

    [Fact]
    public void Check_AllocatesNothing()
    {
        var criteria = new StoppingCriteria(1_000_000, [Eos], ["never appears", "nor this"]);
        criteria.Check(1, "warm up");

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            criteria.Check(1, "some text ");
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Constructor_RejectsBadArguments()
    {
        FluentActions.Invoking(() => new StoppingCriteria(0, [], []))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("`max_new_tokens` must be strictly positive*");
        FluentActions.Invoking(() => new StoppingCriteria(5, [], [null!]))
            .Should().Throw<ArgumentException>().WithMessage("Stop sequence 0 is null*");
    }

    [Theory]
    [InlineData(FinishReason.Length, "length")]
    [InlineData(FinishReason.EosToken, "eos_token")]
    [InlineData(FinishReason.StopSequence, "stop_sequence")]
    public void FinishReason_HasTgiWireName(FinishReason reason, string wireName)
    {
        FinishReasons.ToWireName(reason).Should().Be(wireName);
    }
}
