using QuantServe.Engine.Generation.Sampling;

namespace QuantServe.Engine.Tests.Sampling;

public class SamplerTests
{
    private static double LogSumExp(IEnumerable<double> values)
    {
        var list = values.ToList();
        var max = list.Max();
        return max + Math.Log(list.Sum(v => Math.Exp(v - max)));
    }

    private static int[] Draw(Sampler sampler, float[] logits, int draws)
    {
        var counts = new int[logits.Length];
        var buffer = new float[logits.Length];
        for (var i = 0; i < draws; i++)
        {
            logits.CopyTo(buffer, 0);
            counts[sampler.Next(buffer, []).Id]++;
        }

        return counts;
    }

    private static double ChiSquare(int[] counts, double[] probabilities)
    {
        var total = counts.Sum();
        var chiSquare = 0.0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (probabilities[i] == 0)
            {
                counts[i].Should().Be(0, $"token {i} has probability 0");
                continue;
            }

            var expected = total * probabilities[i];
            chiSquare += (counts[i] - expected) * (counts[i] - expected) / expected;
        }

        return chiSquare;
    }

    [Fact]
    public void Greedy_PicksArgmax_FirstIndexOnTies()
    {
        var sampler = new Sampler(new SamplingParameters(), 4);
        float[] logits = [1f, 5f, 5f, 2f];

        var token = sampler.Next(logits, [0]);

        token.Id.Should().Be(1);
        token.Logprob.Should().BeApproximately((float)(5 - LogSumExp([1, 5, 5, 2])), 1e-6f);
    }

    [Fact]
    public void Greedy_LogprobIsLogSoftmaxOfPenalisedLogits()
    {
        var sampler = new Sampler(new SamplingParameters { RepetitionPenalty = 1.1f }, 3);
        float[] logits = [3f, 2.9f, -1f];

        var token = sampler.Next(logits, [0, 2, 0]);

        // 3 / 1.1 = 2.727 falls below 2.9, so the penalty changes the argmax.
        token.Id.Should().Be(1);
        double[] processed = [3 / 1.1, 2.9, -1 * 1.1];
        token.Logprob.Should().BeApproximately((float)(2.9 - LogSumExp(processed)), 1e-6f);
        logits.Select(l => (double)l).Should().Equal(processed, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void Sampling_LogprobIsLogSoftmaxOfWarpedLogits()
    {
        var parameters = new SamplingParameters { Temperature = 0.5f, TopK = 2, FrequencyPenalty = 1f, Seed = 3 };
        var sampler = new Sampler(parameters, 4);
        float[] original = [1f, 2f, 1.5f, -1f];

        for (var step = 0; step < 20; step++)
        {
            var logits = (float[])original.Clone();
            var token = sampler.Next(logits, [1, 3]);

            // Frequency: tokens 1 and 3 lose 1 * 1/2; temperature doubles; top_k keeps {1: 3, 2: 3}.
            double[] warped = [(2 - 0.5) / 0.5, 1.5 / 0.5];
            token.Id.Should().BeOneOf(1, 2);
            token.Logprob.Should().BeApproximately((float)(warped[token.Id - 1] - LogSumExp(warped)), 1e-6f);
            logits[0].Should().Be(float.NegativeInfinity);
            logits[3].Should().Be(float.NegativeInfinity);
        }
    }

    [Fact]
    public void SameSeed_GivesSameTokens_DifferentSeedsDiffer()
    {
        static int[] Generate(ulong seed)
        {
            var sampler = new Sampler(new SamplingParameters { DoSample = true, Seed = seed }, 8);
            var logits = new float[8];
            return Enumerable.Range(0, 200).Select(_ =>
            {
                logits.AsSpan().Clear(); // uniform: every draw depends only on the generator
                return sampler.Next(logits, []).Id;
            }).ToArray();
        }

        Generate(99).Should().Equal(Generate(99));
        Generate(99).Should().NotEqual(Generate(100));
    }

    [Fact]
    public void Seed_IsTheGivenOne_OrDrawnWhenAbsent()
    {
        new Sampler(new SamplingParameters { DoSample = true, Seed = 12345 }, 2).Seed.Should().Be(12345UL);

        var drawn = Enumerable.Range(0, 4)
            .Select(_ => new Sampler(new SamplingParameters { DoSample = true }, 2).Seed)
            .ToArray();
        drawn.Should().OnlyHaveUniqueItems("64 random bits do not repeat in four draws");
    }

    [Fact]
    public void Sampling_AtTemperatureOne_MatchesSoftmax()
    {
        float[] logits = [0f, 0.5f, 1f, 1.5f, -1f, 2f];
        var sampler = new Sampler(new SamplingParameters { DoSample = true, Temperature = 1f, Seed = 20240101 }, logits.Length);
        var softmax = TransformersReference.Softmax(logits.Select(l => (double)l).ToArray());

        var counts = Draw(sampler, logits, 20_000);

        ChiSquare(counts, softmax).Should().BeLessThan(20.52, "the 0.999 quantile of chi-square with 5 degrees of freedom");
        // The same counts are far from a wrong distribution, so the bound has power.
        ChiSquare(counts, Enumerable.Repeat(1.0 / logits.Length, logits.Length).ToArray()).Should().BeGreaterThan(1000);
    }

    [Fact]
    public void Sampling_WithWarpers_MatchesWarpedSoftmax()
    {
        float[] logits = [0f, 0.5f, 1f, 1.5f, -1f, 2f];
        var sampler = new Sampler(new SamplingParameters { Temperature = 0.7f, TopK = 4, Seed = 77 }, logits.Length);
        var warped = logits.Select(l => l / 0.7).ToArray();
        var probabilities = new double[logits.Length];
        var kept = new[] { 1, 2, 3, 5 };
        var keptSoftmax = TransformersReference.Softmax(kept.Select(i => warped[i]).ToArray());
        for (var j = 0; j < kept.Length; j++)
        {
            probabilities[kept[j]] = keptSoftmax[j];
        }

        var counts = Draw(sampler, logits, 20_000);

        ChiSquare(counts, probabilities).Should().BeLessThan(16.27, "the 0.999 quantile of chi-square with 3 degrees of freedom");
    }

    [Fact]
    public void Sampling_NeverDrawsFilteredTokens()
    {
        float[] logits = [float.NegativeInfinity, 0f, float.NegativeInfinity, 0f];
        var sampler = new Sampler(new SamplingParameters { DoSample = true, Seed = 1 }, 4);

        var counts = Draw(sampler, logits, 2000);

        counts[0].Should().Be(0);
        counts[2].Should().Be(0);
        counts[1].Should().BeGreaterThan(800);
        counts[3].Should().BeGreaterThan(800);
    }

    [Fact]
    public void TinyTemperature_BecomesArgmaxAmongTiedMaxima()
    {
        var sampler = new Sampler(new SamplingParameters { Temperature = 1e-38f, Seed = 5 }, 3);
        var seen = new HashSet<int>();
        for (var i = 0; i < 50; i++)
        {
            float[] logits = [1f, 3f, 3f];
            var token = sampler.Next(logits, []);
            token.Logprob.Should().BeApproximately((float)Math.Log(0.5), 1e-6f);
            seen.Add(token.Id);
        }

        seen.Should().BeEquivalentTo([1, 2]);
    }

    [Fact]
    public void Next_AllocatesNothingInSteadyState()
    {
        const int vocab = 1000;
        var parameters = new SamplingParameters
        {
            Temperature = 0.8f,
            TopK = 50,
            TopP = 0.9f,
            TypicalP = 0.95f,
            RepetitionPenalty = 1.2f,
            FrequencyPenalty = 0.3f,
            Seed = 42,
        };
        var sampler = new Sampler(parameters, vocab);
        var random = new Random(1);
        var original = Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 10)).ToArray();
        var logits = new float[vocab];
        var previous = Enumerable.Range(0, 300).Select(i => i * 7 % vocab).ToArray();
        var greedy = new Sampler(new SamplingParameters { RepetitionPenalty = 1.2f }, vocab);
        original.CopyTo(logits, 0);
        sampler.Next(logits, previous);
        original.CopyTo(logits, 0);
        greedy.Next(logits, previous);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            original.CopyTo(logits, 0);
            sampler.Next(logits, previous);
            original.CopyTo(logits, 0);
            greedy.Next(logits, previous);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void Next_RejectsWrongLengthBadValuesAndUnknownTokens()
    {
        var sampler = new Sampler(new SamplingParameters { RepetitionPenalty = 1.2f }, 3);

        FluentActions.Invoking(() => sampler.Next(new float[4], []))
            .Should().Throw<ArgumentException>().WithMessage("Expected 3 logits*got 4*");
        FluentActions.Invoking(() => sampler.Next(new[] { 0f, float.NaN, 0f }, []))
            .Should().Throw<ArgumentException>().WithMessage("Logit 1 is NaN*");
        FluentActions.Invoking(() => sampler.Next(new[] { 0f, float.PositiveInfinity, 0f }, []))
            .Should().Throw<ArgumentException>().WithMessage("Logit 1 is *");
        FluentActions.Invoking(() => sampler.Next(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity }, []))
            .Should().Throw<ArgumentException>().WithMessage("Every logit is -infinity*");
        FluentActions.Invoking(() => sampler.Next(new float[3], [0, 3]))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("previousTokens[1] = 3*");
        FluentActions.Invoking(() => new Sampler(new SamplingParameters(), 0))
            .Should().Throw<ArgumentOutOfRangeException>();
    }
}
