using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class SeededRandomTests
{
    [Fact]
    public void SplitMix64_MatchesReferenceOutputs()
    {
        // First outputs of Vigna's splitmix64.c from state 1234567.
        ulong state = 1234567;

        SeededRandom.SplitMix64(ref state).Should().Be(6457827717110365317UL);
        SeededRandom.SplitMix64(ref state).Should().Be(3203168211198807973UL);
        SeededRandom.SplitMix64(ref state).Should().Be(9817491932198370423UL);
    }

    [Theory]
    // Computed with an independent Python transcription of xoshiro256starstar.c seeded by splitmix64.
    [InlineData(0UL, 0x99ec5f36cb75f2b4UL, 0xbf6e1f784956452aUL, 0x1a5f849d4933e6e0UL, 0x6aa594f1262d2d2cUL)]
    [InlineData(42UL, 0x15780b2e0c2ec716UL, 0x6104d9866d113a7eUL, 0xae17533239e499a1UL, 0xecb8ad4703b360a1UL)]
    [InlineData(ulong.MaxValue, 0x8f5520d52a7ead08UL, 0xc476a018caa1802dUL, 0x81de31c0d260469eUL, 0xbf658d7e065f3c2fUL)]
    public void NextULong_MatchesXoshiro256StarStarReference(ulong seed, ulong first, ulong second, ulong third, ulong fourth)
    {
        var random = new SeededRandom(seed);

        new[] { random.NextULong(), random.NextULong(), random.NextULong(), random.NextULong() }
            .Should().Equal(first, second, third, fourth);
    }

    [Fact]
    public void NextDouble_IsTheTop53BitsScaledIntoUnitInterval()
    {
        var bits = new SeededRandom(42);
        var doubles = new SeededRandom(42);

        for (var i = 0; i < 1000; i++)
        {
            var expected = (bits.NextULong() >> 11) / 9007199254740992.0;
            var value = doubles.NextDouble();
            value.Should().Be(expected);
            value.Should().BeGreaterThanOrEqualTo(0.0).And.BeLessThan(1.0);
        }
    }

    [Fact]
    public void SameSeed_GivesSameSequence_DifferentSeedsDiffer()
    {
        var a = new SeededRandom(123);
        var b = new SeededRandom(123);
        var c = new SeededRandom(124);
        var sequenceA = Enumerable.Range(0, 64).Select(_ => a.NextULong()).ToArray();
        var sequenceB = Enumerable.Range(0, 64).Select(_ => b.NextULong()).ToArray();
        var sequenceC = Enumerable.Range(0, 64).Select(_ => c.NextULong()).ToArray();

        sequenceB.Should().Equal(sequenceA);
        sequenceC.Should().NotIntersectWith(sequenceA);
    }

    [Fact]
    public void NextDouble_IsUniformInTenBins()
    {
        var random = new SeededRandom(2024);
        var counts = new int[10];
        const int draws = 100_000;
        for (var i = 0; i < draws; i++)
        {
            counts[(int)(random.NextDouble() * 10)]++;
        }

        var expected = draws / 10.0;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        chiSquare.Should().BeLessThan(27.88, "the 0.999 quantile of chi-square with 9 degrees of freedom");
    }
}
