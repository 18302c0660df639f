using System.Security.Cryptography;

namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// Chooses the next token of one sequence the way TGI's HeterogeneousNextTokenChooser does:
/// repetition penalty, frequency penalty, then the warpers temperature, top_k, top_p, typical_p,
/// then argmax (first index on ties) or a draw from the softmax with a seeded generator. The
/// reported logprob is log_softmax of the processed logits at the chosen token.
/// One instance per request, not thread-safe; every buffer is allocated in the constructor so
/// <see cref="Next"/> allocates nothing.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingParameters _parameters;
    private readonly SeededRandom _random;
    private readonly double[] _weights;
    private readonly TokenOccurrences? _occurrences;
    private readonly ulong[]? _sortKeys;
    private readonly int[]? _histogram;
    private readonly uint[]? _topKCandidates;

    public Sampler(SamplingParameters parameters, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (vocabSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "The vocabulary size must be positive.");
        }

        parameters.Validate();
        _parameters = parameters;
        VocabSize = vocabSize;
        IsSampling = parameters.IsSampling;

        // Like TGI's router, a request without a seed gets a random one, reported in details.seed.
        Seed = parameters.Seed ?? DrawSeed();
        _random = new SeededRandom(Seed);

        _weights = new double[vocabSize];
        if (parameters.HasRepetitionPenalty || parameters.HasFrequencyPenalty)
        {
            _occurrences = new TokenOccurrences(vocabSize);
        }

        if (parameters.HasTopP || parameters.HasTypicalP)
        {
            _sortKeys = new ulong[vocabSize];
        }

        if (parameters.HasTopK)
        {
            _histogram = new int[TopKWarper.HistogramLength];
            _topKCandidates = new uint[vocabSize];
        }
    }

    /// <summary>The seed of this sequence's generator: the one given, or one drawn at random.</summary>
    public ulong Seed { get; }

    /// <summary>
    /// Whether tokens are drawn at random. TGI reports <see cref="Seed"/> only then (null otherwise).
    /// </summary>
    public bool IsSampling { get; }

    public int VocabSize { get; }

    /// <summary>
    /// Processes <paramref name="logits"/> in place (they hold the processed logits afterwards) and
    /// chooses a token. <paramref name="previousTokens"/> is what TGI passes as input_ids: the prompt
    /// followed by every token generated so far.
    /// </summary>
    public SampledToken Next(Span<float> logits, ReadOnlySpan<int> previousTokens)
    {
        if (logits.Length != VocabSize)
        {
            throw new ArgumentException(
                $"Expected {VocabSize} logits (the vocabulary size this sampler was built for), got {logits.Length}.",
                nameof(logits));
        }

        CheckLogits(logits);

        var p = _parameters;
        if (_occurrences is not null)
        {
            _occurrences.Count(previousTokens);
            if (p.HasRepetitionPenalty)
            {
                RepetitionPenalty.Apply(logits, _occurrences.Distinct, p.RepetitionPenalty!.Value);
            }

            if (p.HasFrequencyPenalty)
            {
                FrequencyPenalty.Apply(logits, _occurrences, p.FrequencyPenalty!.Value);
            }
        }

        if (p.HasTemperature)
        {
            TemperatureWarper.Apply(logits, p.Temperature!.Value);
        }

        ResolveInfinities(logits);

        if (p.HasTopK)
        {
            TopKWarper.Apply(logits, p.TopK!.Value, _histogram, _topKCandidates);
        }

        if (p.HasTopP)
        {
            TopPWarper.Apply(logits, p.TopP!.Value, _sortKeys, _weights);
        }

        if (p.HasTypicalP)
        {
            TypicalWarper.Apply(logits, p.TypicalP!.Value, _sortKeys, _weights);
        }

        var max = LogitsSoftmax.Max(logits);
        var sum = LogitsSoftmax.ExpShifted(logits, max, _weights);
        var id = IsSampling ? Draw(sum) : ArgMax(logits, max);
        var logprob = ((double)logits[id] - max) - Math.Log(sum);
        return new SampledToken(id, (float)logprob);
    }

    private static void CheckLogits(ReadOnlySpan<float> logits)
    {
        if (LogitsSoftmax.ContainsNaNOrPositiveInfinity(logits))
        {
            for (var i = 0; i < logits.Length; i++)
            {
                if (float.IsNaN(logits[i]) || logits[i] == float.PositiveInfinity)
                {
                    throw new ArgumentException(
                        $"Logit {i} is {logits[i]}; the model must produce finite logits (or -infinity for banned tokens).",
                        nameof(logits));
                }
            }
        }

        if (LogitsSoftmax.Max(logits) == float.NegativeInfinity)
        {
            throw new ArgumentException("Every logit is -infinity; no token can be chosen.", nameof(logits));
        }
    }

    /// <summary>
    /// A huge repetition penalty can push every logit to -infinity and a tiny temperature can push
    /// the largest ones to +infinity, where softmax is NaN. For +infinity this takes the limit (equal
    /// probability among the infinite logits); for all -infinity there is nothing left to choose.
    /// </summary>
    private static void ResolveInfinities(Span<float> logits)
    {
        var max = LogitsSoftmax.Max(logits);
        if (max == float.NegativeInfinity)
        {
            throw new InvalidOperationException(
                "Every logit became -infinity after the penalties; lower repetition_penalty or frequency_penalty.");
        }

        if (max == float.PositiveInfinity)
        {
            for (var i = 0; i < logits.Length; i++)
            {
                logits[i] = logits[i] == float.PositiveInfinity ? 0.0f : float.NegativeInfinity;
            }
        }
    }

    /// <summary>The first index holding the maximum, as torch.argmax returns.</summary>
    private static int ArgMax(ReadOnlySpan<float> logits, float max)
    {
        for (var i = 0; i < logits.Length; i++)
        {
            if (logits[i] == max)
            {
                return i;
            }
        }

        throw new InvalidOperationException("The maximum logit was not found; the logits changed while sampling.");
    }

    /// <summary>Inverse-CDF draw over the weights exp(logit - max); zero weights are never chosen.</summary>
    private int Draw(double sum)
    {
        var target = _random.NextDouble() * sum;
        var cumulative = 0.0;
        var lastPositive = 0;
        for (var i = 0; i < _weights.Length; i++)
        {
            var weight = _weights[i];
            if (weight > 0.0)
            {
                cumulative += weight;
                if (cumulative > target)
                {
                    return i;
                }

                lastPositive = i;
            }
        }

        // Rounding left the running sum just short of the target: the draw belongs to the last token.
        return lastPositive;
    }

    private static ulong DrawSeed()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
