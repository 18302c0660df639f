namespace QuantServe.Engine.Generation.Sampling;

/// <summary>
/// How often each token occurs in the previous tokens, with the list of distinct tokens so the
/// penalties touch each token once (as TGI's gather/scatter does) and resetting costs only what
/// was counted. Buffers are sized to the vocabulary once.
/// </summary>
internal sealed class TokenOccurrences
{
    private readonly int[] _counts;
    private readonly int[] _distinct;
    private int _distinctCount;

    public TokenOccurrences(int vocabSize)
    {
        _counts = new int[vocabSize];
        _distinct = new int[vocabSize];
    }

    /// <summary>Number of tokens counted, duplicates included (TGI's <c>input_size</c>).</summary>
    public int Total { get; private set; }

    public ReadOnlySpan<int> Distinct => _distinct.AsSpan(0, _distinctCount);

    public int CountOf(int token) => _counts[token];

    public void Count(ReadOnlySpan<int> tokens)
    {
        foreach (var token in Distinct)
        {
            _counts[token] = 0;
        }

        _distinctCount = 0;
        Total = 0;
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if ((uint)token >= (uint)_counts.Length)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(tokens),
                    token,
                    $"previousTokens[{i}] = {token} is outside the vocabulary [0, {_counts.Length}).");
            }

            if (_counts[token]++ == 0)
            {
                _distinct[_distinctCount++] = token;
            }
        }

        Total = tokens.Length;
    }
}
